// SBOM export: both documents validated against their schemas (see sbom-schemas.ts), and the
// content checked against the profile they came from.
import { describe, expect, it } from 'vitest';
import { parseReference } from '@berth/oci';
import { toCycloneDx, toSpdx, type ContainerProfile, type ProfilePackage } from '@berth/analysis';
import { cycloneDxValidator, spdxValidator } from './sbom-schemas.js';

const LAYER_0 = `sha256:${'a'.repeat(64)}`;
const LAYER_1 = `sha256:${'b'.repeat(64)}`;
const MANIFEST = `sha256:${'c'.repeat(64)}`;
const PACKAGES: ProfilePackage[] = [
  { type: 'deb', name: 'libc6', version: '2.36-9+deb12u4', arch: 'amd64', layerIndex: 0 },
  { type: 'deb', name: 'login', version: '1:4.13+dfsg1-1', arch: 'amd64', layerIndex: 0 },
  {
    type: 'npm',
    name: '@scope/pkg',
    version: '2.0.0',
    layerIndex: 1,
    path: '/app/node_modules/@scope/pkg/package.json',
  },
  {
    type: 'npm',
    name: 'left-pad',
    version: '1.3.0',
    layerIndex: 1,
    path: '/app/node_modules/left-pad/package.json',
  },
  {
    type: 'npm',
    name: 'left-pad',
    version: '1.3.0',
    layerIndex: 1,
    path: '/srv/node_modules/left-pad/package.json',
  },
  {
    type: 'pypi',
    name: 'requests',
    version: '2.31.0',
    layerIndex: 1,
    path: '/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA',
  },
  { type: 'golang', name: 'stdlib', version: 'go1.22.1', layerIndex: 1, path: '/usr/bin/app' },
];

function profileWith(packages: readonly ProfilePackage[]): ContainerProfile {
  const layer = (index: number, digest: string) => ({
    index,
    digest,
    diffId: digest,
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    sizeCompressed: 10,
    sizeUncompressed: 20,
    createdBy: null,
    created: null,
    emptyLayer: false,
    analysed: true,
    compression: 'gzip' as const,
    added: 1,
    modified: 0,
    deleted: 0,
    bytesAdded: 20,
    bytesModified: 0,
    bytesDeleted: 0,
    largestFiles: [],
  });
  return {
    image: {
      manifestDigest: MANIFEST,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      platform: { os: 'linux', architecture: 'amd64' },
      platforms: [{ os: 'linux', architecture: 'amd64' }],
    },
    overview: {
      os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
      created: null,
      sizeCompressed: 20,
      sizeUncompressed: 40,
      layerCount: 2,
      fileCount: 2,
      filesSize: 40,
      user: '',
      runsAsRoot: true,
      shells: [],
      packageManagers: [],
      packageDatabases: [],
    },
    config: {
      entrypoint: null,
      cmd: null,
      env: [],
      workingDir: '',
      user: '',
      exposedPorts: [],
      volumes: [],
      labels: {},
      stopSignal: null,
      healthcheck: null,
    },
    layers: [layer(0, LAYER_0), layer(1, LAYER_1)],
    history: [],
    packages,
    security: {
      setuid: [],
      setgid: [],
      worldWritable: [],
      capabilities: [],
      privateKeys: [],
      certificates: [],
      certificateBundles: [],
      users: [],
      groups: [],
    },
    efficiency: { score: 1, wastedBytes: 0, items: [] },
    advice: [],
    dockerfile: '',
    analyzer: { version: '0.1.0', durationMs: 1 },
  };
}

const profile = profileWith(PACKAGES);
const reference = parseReference('127.0.0.1:5000/team/app:1.0');
const timestamp = new Date('2026-01-02T03:04:05.678Z');

describe('toCycloneDx', () => {
  const validate = cycloneDxValidator('1.6');

  it('writes a CycloneDX 1.6 BOM that the published schema accepts', () => {
    const bom = toCycloneDx(profile, { reference, timestamp });
    expect(validate(bom)).toEqual([]);
    expect(bom.specVersion).toBe('1.6');
    expect(bom.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('makes the image the root component, named by reference, versioned and hashed by manifest digest', () => {
    const { metadata, dependencies, components } = toCycloneDx(profile, { reference, timestamp });
    expect(metadata.timestamp).toBe('2026-01-02T03:04:05.678Z');
    expect(metadata.component).toMatchObject({
      type: 'container',
      name: '127.0.0.1:5000/team/app:1.0',
      version: MANIFEST,
      purl: `pkg:oci/app@${MANIFEST}?arch=amd64&repository_url=127.0.0.1:5000/team/app&tag=1.0`,
      hashes: [{ alg: 'SHA-256', content: 'c'.repeat(64) }],
    });
    expect(dependencies[0]).toEqual({
      ref: metadata.component['bom-ref'],
      dependsOn: components.map((c) => c['bom-ref']),
    });
  });

  it('lists the OS and every package with its purl, layer and location', () => {
    const { components } = toCycloneDx(profile, { reference, timestamp });
    expect(components[0]).toMatchObject({ type: 'operating-system', name: 'debian', version: '12' });
    expect(components.slice(1).map((c) => c.purl)).toEqual([
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12',
      'pkg:deb/debian/login@1:4.13%2Bdfsg1-1?arch=amd64&distro=debian-12',
      'pkg:npm/%40scope/pkg@2.0.0',
      'pkg:npm/left-pad@1.3.0',
      'pkg:npm/left-pad@1.3.0',
      'pkg:pypi/requests@2.31.0',
      'pkg:golang/stdlib@1.22.1',
    ]);
    const refs = components.map((c) => c['bom-ref']);
    expect(new Set(refs).size).toBe(refs.length);
    expect(components[4]).toMatchObject({
      properties: expect.arrayContaining([
        { name: 'berth:layerIndex', value: '1' },
        { name: 'berth:layerDigest', value: LAYER_1 },
      ]) as unknown,
      evidence: { occurrences: [{ location: '/app/node_modules/left-pad/package.json' }] },
    });
  });

  it('names the image by its digest when no reference is given, and is reproducible for a fixed time', () => {
    const a = toCycloneDx(profile, { timestamp });
    expect(validate(a)).toEqual([]);
    expect(a.metadata.component.name).toBe(MANIFEST);
    expect(a.metadata.component.purl).toBeUndefined();
    expect(JSON.stringify(toCycloneDx(profile, { timestamp }))).toBe(JSON.stringify(a));
    expect(toCycloneDx(profile, { timestamp: new Date(0) }).serialNumber).not.toBe(a.serialNumber);
  });

  it('is also valid for an image without packages or os-release', () => {
    const bare = {
      ...profileWith([]),
      overview: { ...profile.overview, os: { id: null, versionId: null, prettyName: null } },
    };
    const bom = toCycloneDx(bare, { reference, timestamp });
    expect(validate(bom)).toEqual([]);
    expect(bom.components).toEqual([]);
  });

  it('has a validator that rejects what the schema forbids', () => {
    const bom = toCycloneDx(profile, { reference, timestamp });
    expect(validate({ ...bom, serialNumber: 'not-a-urn' })).not.toEqual([]);
    expect(validate({ ...bom, components: [{ type: 'gadget', name: 'x' }] })).not.toEqual([]);
  });
});

describe('toSpdx', () => {
  const validate = spdxValidator();

  it('writes an SPDX 2.3 document that follows the specification', () => {
    const doc = toSpdx(profile, { reference, timestamp });
    expect(validate(doc)).toEqual([]);
    expect(doc.creationInfo.created).toBe('2026-01-02T03:04:05Z');
    expect(doc.creationInfo.creators).toEqual(['Tool: berth-0.1.0']);
    expect(doc.documentNamespace).toMatch(
      /^https:\/\/spdx\.org\/spdxdocs\/berth-127\.0\.0\.1-5000-team-app-1\.0-[0-9a-f-]{36}$/,
    );
  });

  it('describes the image, which contains the OS and every package with its purl', () => {
    const doc = toSpdx(profile, { reference, timestamp });
    const [image, os, ...packages] = doc.packages;
    expect(image).toMatchObject({
      SPDXID: 'SPDXRef-Image',
      name: '127.0.0.1:5000/team/app:1.0',
      versionInfo: MANIFEST,
      primaryPackagePurpose: 'CONTAINER',
      checksums: [{ algorithm: 'SHA256', checksumValue: 'c'.repeat(64) }],
    });
    expect(os).toMatchObject({ SPDXID: 'SPDXRef-OperatingSystem', name: 'debian', versionInfo: '12' });
    expect(packages.map((p) => p.externalRefs?.[0]?.referenceLocator)).toEqual(
      toCycloneDx(profile, { reference, timestamp })
        .components.slice(1)
        .map((c) => c.purl),
    );
    expect(packages[0]).toMatchObject({
      name: 'libc6',
      versionInfo: '2.36-9+deb12u4',
      sourceInfo: `installed by layer 0 (${LAYER_0})`,
    });
    expect(doc.relationships).toEqual([
      {
        spdxElementId: 'SPDXRef-DOCUMENT',
        relationshipType: 'DESCRIBES',
        relatedSpdxElement: 'SPDXRef-Image',
      },
      ...[os, ...packages].map((p) => ({
        spdxElementId: 'SPDXRef-Image',
        relationshipType: 'CONTAINS',
        relatedSpdxElement: p?.SPDXID,
      })),
    ]);
  });

  it('has a validator that rejects what the specification forbids', () => {
    const doc = toSpdx(profile, { reference, timestamp });
    expect(validate({ ...doc, spdxVersion: 'SPDX-2.2' })).not.toEqual([]);
    expect(
      validate({ ...doc, packages: [...doc.packages, { ...doc.packages[1], name: 'dup' }] }),
    ).not.toEqual([]);
    expect(
      validate({
        ...doc,
        relationships: [
          {
            spdxElementId: 'SPDXRef-Image',
            relationshipType: 'CONTAINS',
            relatedSpdxElement: 'SPDXRef-Nope',
          },
        ],
      }),
    ).not.toEqual([]);
    expect(validate({ ...doc, packages: [{ ...doc.packages[0], SPDXID: 'SPDXRef-a_b' }] })).not.toEqual([]);
  });
});
