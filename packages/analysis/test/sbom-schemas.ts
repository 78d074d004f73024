// Validators for the two SBOM formats, with no network at test time.
// CycloneDX: the published JSON schemas as shipped by @cyclonedx/cyclonedx-library (res/schema).
// SPDX 2.3: no maintained npm package ships the published spdx-schema.json (checked: the
// cyclonedx library ships only the SPDX *license id* list, @cyclonedx/cdxgen only the SPDX 3.0
// schema), so SPDX_2_3_SCHEMA below encodes the SPDX 2.3 specification's rules for the fields
// Berth writes (clauses 6, 7 and 11; required fields, value formats and enumerations).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);
const schemaDir = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res/schema');
const readSchema = (file: string): object =>
  JSON.parse(readFileSync(join(schemaDir, file), 'utf8')) as object;

// ajv-formats is CommonJS with a default export; under NodeNext it arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Draft 2019 formats used by the CycloneDX schemas (RFC 3987 / RFC 6531), checked loosely.
  ajv.addFormat('iri-reference', (value: string) => !/\s/.test(value));
  ajv.addFormat('idn-email', (value: string) => /^[^\s@]+@[^\s@]+$/.test(value));
  return ajv;
}

export type SchemaCheck = (document: unknown) => readonly ErrorObject[];

/** Validates against CycloneDX `bom-<version>.schema.json` (1.5, 1.6 or 1.7). */
export function cycloneDxValidator(version: '1.5' | '1.6' | '1.7'): SchemaCheck {
  const ajv = newAjv();
  // The bom schema refers to its companions by their SNAPSHOT file names, as the library's
  // own validator maps them.
  ajv.addSchema(
    readSchema('spdx.SNAPSHOT.schema.json'),
    'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json',
  );
  ajv.addSchema(
    readSchema('jsf-0.82.SNAPSHOT.schema.json'),
    'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json',
  );
  if (version !== '1.5') {
    ajv.addSchema(
      readSchema('cryptography-defs.SNAPSHOT.schema.json'),
      'http://cyclonedx.org/schema/cryptography-defs.SNAPSHOT.schema.json',
    );
  }
  const validate = ajv.compile(readSchema(`bom-${version}.SNAPSHOT.schema.json`));
  return (document) => (validate(document) ? [] : (validate.errors ?? []));
}

const NOASSERTION_OR_TEXT = { type: 'string', minLength: 1 };
const SPDX_ID = { type: 'string', pattern: '^SPDXRef-[A-Za-z0-9.-]+$' };

/** SPDX 2.3 document rules for the fields Berth writes (see the header comment). */
export const SPDX_2_3_SCHEMA = {
  type: 'object',
  required: [
    'spdxVersion',
    'dataLicense',
    'SPDXID',
    'name',
    'documentNamespace',
    'creationInfo',
    'packages',
    'relationships',
  ],
  additionalProperties: false,
  properties: {
    spdxVersion: { const: 'SPDX-2.3' }, // §6.1
    dataLicense: { const: 'CC0-1.0' }, // §6.2
    SPDXID: { const: 'SPDXRef-DOCUMENT' }, // §6.3
    name: NOASSERTION_OR_TEXT, // §6.4
    // §6.5: an absolute URI, unique, with no "#".
    documentNamespace: { type: 'string', format: 'uri', pattern: '^[^#]+$' },
    creationInfo: {
      type: 'object',
      required: ['created', 'creators'],
      additionalProperties: false,
      properties: {
        // §6.9: "Organization: …", "Person: …" or "Tool: …".
        creators: {
          type: 'array',
          minItems: 1,
          items: { type: 'string', pattern: '^(Person|Organization|Tool): .+' },
        },
        // §6.9: YYYY-MM-DDThh:mm:ssZ
        created: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' },
        licenseListVersion: { type: 'string' },
        comment: { type: 'string' },
      },
    },
    documentDescribes: { type: 'array', items: SPDX_ID },
    packages: {
      type: 'array',
      items: {
        type: 'object',
        // §7.1 name, §7.2 SPDXID, §7.7 downloadLocation are mandatory.
        required: ['name', 'SPDXID', 'downloadLocation'],
        additionalProperties: false,
        properties: {
          name: NOASSERTION_OR_TEXT,
          SPDXID: SPDX_ID,
          versionInfo: { type: 'string' },
          supplier: { type: 'string', pattern: '^(NOASSERTION|(Person|Organization): .+)$' },
          downloadLocation: NOASSERTION_OR_TEXT,
          filesAnalyzed: { type: 'boolean' },
          checksums: {
            type: 'array',
            items: {
              type: 'object',
              required: ['algorithm', 'checksumValue'],
              additionalProperties: false,
              properties: {
                algorithm: {
                  enum: [
                    'SHA1',
                    'SHA224',
                    'SHA256',
                    'SHA384',
                    'SHA512',
                    'SHA3-256',
                    'SHA3-384',
                    'SHA3-512',
                    'BLAKE2b-256',
                    'BLAKE2b-384',
                    'BLAKE2b-512',
                    'BLAKE3',
                    'MD2',
                    'MD4',
                    'MD5',
                    'MD6',
                    'ADLER32',
                  ],
                },
                checksumValue: { type: 'string', pattern: '^[0-9a-f]+$' },
              },
            },
          },
          sourceInfo: { type: 'string' },
          description: { type: 'string' },
          licenseConcluded: NOASSERTION_OR_TEXT,
          licenseDeclared: NOASSERTION_OR_TEXT,
          copyrightText: NOASSERTION_OR_TEXT,
          // §7.24
          primaryPackagePurpose: {
            enum: [
              'APPLICATION',
              'FRAMEWORK',
              'LIBRARY',
              'CONTAINER',
              'OPERATING-SYSTEM',
              'DEVICE',
              'FIRMWARE',
              'SOURCE',
              'ARCHIVE',
              'FILE',
              'INSTALL',
              'OTHER',
            ],
          },
          // §7.21
          externalRefs: {
            type: 'array',
            items: {
              type: 'object',
              required: ['referenceCategory', 'referenceType', 'referenceLocator'],
              additionalProperties: false,
              properties: {
                referenceCategory: { enum: ['SECURITY', 'PACKAGE-MANAGER', 'PERSISTENT-ID', 'OTHER'] },
                referenceType: { type: 'string' },
                referenceLocator: { type: 'string', pattern: '^\\S+$' },
              },
            },
          },
        },
      },
    },
    relationships: {
      type: 'array',
      items: {
        type: 'object',
        required: ['spdxElementId', 'relationshipType', 'relatedSpdxElement'],
        additionalProperties: false,
        properties: {
          spdxElementId: SPDX_ID,
          relatedSpdxElement: { anyOf: [SPDX_ID, { enum: ['NONE', 'NOASSERTION'] }] },
          // §11.1 (the ones Berth writes, and their inverses)
          relationshipType: { enum: ['DESCRIBES', 'DESCRIBED_BY', 'CONTAINS', 'CONTAINED_BY'] },
        },
      },
    },
  },
} as const;

/**
 * Validates an SPDX 2.3 JSON document: the schema above, plus what a schema cannot say — SPDX
 * ids are unique, relationships and documentDescribes name elements of the document (§11.1),
 * and every purl external reference is a `pkg:` URL (Annex F.3.7).
 */
export function spdxValidator(): SchemaCheck {
  const validate = newAjv().compile(SPDX_2_3_SCHEMA);
  return (document) => {
    if (!validate(document)) return validate.errors ?? [];
    const doc = document as {
      SPDXID: string;
      documentDescribes?: string[];
      packages: { SPDXID: string; externalRefs?: { referenceType: string; referenceLocator: string }[] }[];
      relationships: { spdxElementId: string; relatedSpdxElement: string }[];
    };
    const errors: ErrorObject[] = [];
    const fail = (instancePath: string, message: string): void => {
      errors.push({ instancePath, schemaPath: '#/semantic', keyword: 'semantic', params: {}, message });
    };
    const ids = new Set([doc.SPDXID]);
    doc.packages.forEach((p, i) => {
      if (ids.has(p.SPDXID)) fail(`/packages/${i}/SPDXID`, `duplicate SPDX id ${p.SPDXID}`);
      ids.add(p.SPDXID);
      p.externalRefs?.forEach((r, j) => {
        if (r.referenceType === 'purl' && !/^pkg:[a-z.+-]+\/.+/.test(r.referenceLocator))
          fail(`/packages/${i}/externalRefs/${j}`, `not a purl: ${r.referenceLocator}`);
      });
    });
    doc.relationships.forEach((r, i) => {
      for (const id of [r.spdxElementId, r.relatedSpdxElement])
        if (!ids.has(id) && id !== 'NONE' && id !== 'NOASSERTION')
          fail(`/relationships/${i}`, `unknown SPDX id ${id}`);
    });
    doc.documentDescribes?.forEach((id, i) => {
      if (!ids.has(id)) fail(`/documentDescribes/${i}`, `unknown SPDX id ${id}`);
    });
    return errors;
  };
}
