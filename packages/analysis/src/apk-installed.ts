export interface ApkPackage {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
}

/**
 * Parses apk's installed database (`/lib/apk/db/installed`, apk-tools "apkv2 index format"):
 * blank-line separated records of `X:value` lines; `P` name, `V` version, `A` architecture.
 */
export function parseApkInstalled(text: string): ApkPackage[] {
  const out: ApkPackage[] = [];
  for (const record of text.split(/\n\s*\n/)) {
    let name = '';
    let version = '';
    let architecture = '';
    for (const line of record.split('\n')) {
      if (line.length < 2 || line[1] !== ':') continue;
      const value = line.slice(2);
      if (line[0] === 'P') name = value;
      else if (line[0] === 'V') version = value;
      else if (line[0] === 'A') architecture = value;
    }
    if (name) out.push({ name, version, architecture });
  }
  return out;
}
