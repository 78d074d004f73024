import { formatPlatform } from '@berth/oci';
import type { ContainerProfile } from './container-profile.js';
import { ANALYZER_VERSION } from './layer-result.js';
import { sbomSubject, type SbomOptions } from './sbom-subject.js';

/** The CycloneDX specification version {@link toCycloneDx} writes. */
export const CYCLONEDX_SPEC_VERSION = '1.6';

/** A CycloneDX JSON document (the parts Berth writes; see bom-1.6.schema.json). */
export interface CycloneDxBom {
  readonly $schema: string;
  readonly bomFormat: 'CycloneDX';
  readonly specVersion: string;
  readonly serialNumber: string;
  readonly version: number;
  readonly metadata: {
    readonly timestamp: string;
    readonly tools: { readonly components: readonly CycloneDxComponent[] };
    readonly component: CycloneDxComponent;
  };
  readonly components: readonly CycloneDxComponent[];
  readonly dependencies: readonly { readonly ref: string; readonly dependsOn: readonly string[] }[];
}

export interface CycloneDxComponent {
  readonly type: 'application' | 'container' | 'operating-system' | 'library';
  readonly 'bom-ref'?: string;
  readonly name: string;
  readonly version?: string;
  readonly description?: string;
  readonly purl?: string;
  readonly hashes?: readonly { readonly alg: 'SHA-256'; readonly content: string }[];
  readonly properties?: readonly { readonly name: string; readonly value: string }[];
  readonly evidence?: { readonly occurrences: readonly { readonly location: string }[] };
}

const OS_REF = 'berth:operating-system';

/**
 * The profile's packages as a CycloneDX 1.6 JSON BOM: the image is `metadata.component` (type
 * `container`, its manifest digest as version and SHA-256 hash), the OS from os-release an
 * `operating-system` component, every package a `library` with its purl, the layer that
 * introduced it as the `berth:layerDigest` property, and language packages' paths as evidence.
 *
 * @example
 * const bom = toCycloneDx(profile, { reference: parseReference('debian:bookworm') });
 * writeFileSync('sbom.cdx.json', JSON.stringify(bom, null, 2));
 */
export function toCycloneDx(profile: ContainerProfile, options: SbomOptions = {}): CycloneDxBom {
  const subject = sbomSubject(profile, options);
  const { os } = profile.overview;
  const imageRef = subject.purl ?? subject.manifestDigest;
  const components: CycloneDxComponent[] = [];
  if (os.id) {
    components.push({
      type: 'operating-system',
      'bom-ref': OS_REF,
      name: os.id,
      ...(os.versionId ? { version: os.versionId } : {}),
      ...(os.prettyName ? { description: os.prettyName } : {}),
    });
  }
  for (const entry of subject.packages) {
    const { package: pkg } = entry;
    components.push({
      type: 'library',
      'bom-ref': entry.ref,
      name: pkg.name,
      version: pkg.version,
      purl: entry.purl,
      properties: [
        { name: 'berth:packageType', value: pkg.type },
        ...(pkg.arch ? [{ name: 'berth:arch', value: pkg.arch }] : []),
        { name: 'berth:layerIndex', value: String(pkg.layerIndex) },
        ...(entry.layerDigest ? [{ name: 'berth:layerDigest', value: entry.layerDigest }] : []),
      ],
      ...(pkg.path ? { evidence: { occurrences: [{ location: pkg.path }] } } : {}),
    });
  }
  return {
    $schema: `http://cyclonedx.org/schema/bom-${CYCLONEDX_SPEC_VERSION}.schema.json`,
    bomFormat: 'CycloneDX',
    specVersion: CYCLONEDX_SPEC_VERSION,
    serialNumber: `urn:uuid:${subject.uuid}`,
    version: 1,
    metadata: {
      timestamp: subject.timestamp.toISOString(),
      tools: { components: [{ type: 'application', name: 'berth', version: ANALYZER_VERSION }] },
      component: {
        type: 'container',
        'bom-ref': imageRef,
        name: subject.name,
        version: subject.manifestDigest,
        ...(subject.purl ? { purl: subject.purl } : {}),
        hashes: [{ alg: 'SHA-256', content: subject.manifestDigest.replace(/^sha256:/, '') }],
        properties: [
          { name: 'berth:platform', value: formatPlatform(profile.image.platform) },
          ...(profile.image.indexDigest
            ? [{ name: 'berth:indexDigest', value: profile.image.indexDigest }]
            : []),
        ],
      },
    },
    components,
    dependencies: [
      { ref: imageRef, dependsOn: components.map((c) => c['bom-ref'] as string) },
      ...components.map((c) => ({ ref: c['bom-ref'] as string, dependsOn: [] })),
    ],
  };
}
