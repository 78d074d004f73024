/** `name` and `version` of an npm `package.json`; undefined when it is not a package manifest. */
export function parseNpmPackageJson(text: string): { name: string; version: string } | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const { name, version } = doc as { name?: unknown; version?: unknown };
  return typeof name === 'string' && name !== '' && typeof version === 'string'
    ? { name, version }
    : undefined;
}

/**
 * `Name` and `Version` from a wheel's `*.dist-info/METADATA` (Core metadata specifications: an
 * RFC 822 header block, ended by the first blank line; the description may follow).
 */
export function parsePythonMetadata(text: string): { name: string; version: string } | undefined {
  let name: string | undefined;
  let version: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).toLowerCase();
    if (key === 'name') name ??= line.slice(colon + 1).trim();
    else if (key === 'version') version ??= line.slice(colon + 1).trim();
  }
  return name && version !== undefined ? { name, version } : undefined;
}
