import type { ContainerProfile, ProfilePackage } from './container-profile.js';
import { ANALYZER_VERSION } from './layer-result.js';
import { sbomSubject, type SbomOptions } from './sbom-subject.js';

/** An SPDX 2.3 JSON document (the parts Berth writes; SPDX 2.3 spec clauses 6, 7 and 11). */
export interface SpdxDocument {
  readonly spdxVersion: 'SPDX-2.3';
  readonly dataLicense: 'CC0-1.0';
  readonly SPDXID: 'SPDXRef-DOCUMENT';
  readonly name: string;
  readonly documentNamespace: string;
  readonly creationInfo: { readonly created: string; readonly creators: readonly string[] };
  readonly documentDescribes: readonly string[];
  readonly packages: readonly SpdxPackage[];
  readonly relationships: readonly SpdxRelationship[];
}

export interface SpdxPackage {
  readonly SPDXID: string;
  readonly name: string;
  readonly versionInfo?: string;
  readonly supplier: 'NOASSERTION';
  readonly downloadLocation: 'NOASSERTION';
  readonly filesAnalyzed: false;
  readonly primaryPackagePurpose: 'CONTAINER' | 'OPERATING-SYSTEM' | 'LIBRARY';
  readonly checksums?: readonly { readonly algorithm: 'SHA256'; readonly checksumValue: string }[];
  readonly licenseConcluded: 'NOASSERTION';
  readonly licenseDeclared: 'NOASSERTION';
  readonly copyrightText: 'NOASSERTION';
  readonly sourceInfo?: string;
  readonly description?: string;
  readonly externalRefs?: readonly {
    readonly referenceCategory: 'PACKAGE-MANAGER';
    readonly referenceType: 'purl';
    readonly referenceLocator: string;
  }[];
}

export interface SpdxRelationship {
  readonly spdxElementId: string;
  readonly relationshipType: 'DESCRIBES' | 'CONTAINS';
  readonly relatedSpdxElement: string;
}

const DOCUMENT_ID = 'SPDXRef-DOCUMENT';
const IMAGE_ID = 'SPDXRef-Image';
const OS_ID = 'SPDXRef-OperatingSystem';

const NOASSERTIONS = {
  supplier: 'NOASSERTION',
  downloadLocation: 'NOASSERTION',
  filesAnalyzed: false,
  licenseConcluded: 'NOASSERTION',
  licenseDeclared: 'NOASSERTION',
  copyrightText: 'NOASSERTION',
} as const;

/**
 * The profile's packages as an SPDX 2.3 JSON document: the image is the described package
 * (purpose `CONTAINER`, its manifest digest as version and SHA256 checksum), the OS from
 * os-release an `OPERATING-SYSTEM` package, and every package a `LIBRARY` with its purl as a
 * `PACKAGE-MANAGER` external reference and the layer that introduced it in `sourceInfo`. The
 * image `CONTAINS` each of them. Licenses are not read from the image: `NOASSERTION`.
 *
 * @example
 * const doc = toSpdx(profile, { reference: parseReference('debian:bookworm') });
 */
export function toSpdx(profile: ContainerProfile, options: SbomOptions = {}): SpdxDocument {
  const subject = sbomSubject(profile, options);
  const { os } = profile.overview;
  const packages: SpdxPackage[] = [
    {
      SPDXID: IMAGE_ID,
      name: subject.name,
      versionInfo: subject.manifestDigest,
      ...NOASSERTIONS,
      primaryPackagePurpose: 'CONTAINER',
      checksums: [{ algorithm: 'SHA256', checksumValue: subject.manifestDigest.replace(/^sha256:/, '') }],
      ...(subject.purl ? { externalRefs: [purlRef(subject.purl)] } : {}),
    },
  ];
  if (os.id) {
    packages.push({
      SPDXID: OS_ID,
      name: os.id,
      ...(os.versionId ? { versionInfo: os.versionId } : {}),
      ...NOASSERTIONS,
      primaryPackagePurpose: 'OPERATING-SYSTEM',
      ...(os.prettyName ? { description: os.prettyName } : {}),
    });
  }
  subject.packages.forEach((entry, i) => {
    packages.push({
      SPDXID: packageId(entry.package, i),
      name: entry.package.name,
      versionInfo: entry.package.version,
      ...NOASSERTIONS,
      primaryPackagePurpose: 'LIBRARY',
      sourceInfo: sourceInfo(entry.package, entry.layerDigest),
      externalRefs: [purlRef(entry.purl)],
    });
  });
  // SPDX 2.3 §6.6: the creation time is "YYYY-MM-DDThh:mm:ssZ", without fractions.
  const created = `${subject.timestamp.toISOString().slice(0, 19)}Z`;
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: DOCUMENT_ID,
    name: subject.name,
    // §6.5: a unique absolute URI without "#"; the UUID is derived from image and time.
    documentNamespace: `https://spdx.org/spdxdocs/berth-${slug(subject.name)}-${subject.uuid}`,
    creationInfo: { created, creators: [`Tool: berth-${ANALYZER_VERSION}`] },
    documentDescribes: [IMAGE_ID],
    packages,
    relationships: [
      { spdxElementId: DOCUMENT_ID, relationshipType: 'DESCRIBES', relatedSpdxElement: IMAGE_ID },
      ...packages.slice(1).map((p): SpdxRelationship => ({
        spdxElementId: IMAGE_ID,
        relationshipType: 'CONTAINS',
        relatedSpdxElement: p.SPDXID,
      })),
    ],
  };
}

function purlRef(locator: string) {
  return { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: locator } as const;
}

/** §7.2: "SPDXRef-" then letters, digits, "." and "-" only; the index keeps ids unique. */
function packageId(pkg: ProfilePackage, index: number): string {
  return `SPDXRef-Package-${pkg.type}-${slug(pkg.name)}-${index}`;
}

function slug(value: string): string {
  return value.replace(/[^A-Za-z0-9.-]+/g, '-');
}

function sourceInfo(pkg: ProfilePackage, layerDigest: string | undefined): string {
  const layer = layerDigest ? `layer ${pkg.layerIndex} (${layerDigest})` : `layer ${pkg.layerIndex}`;
  return pkg.path ? `found at ${pkg.path} in ${layer}` : `installed by ${layer}`;
}
