import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const FALLBACK_DEBIAN_MIRROR = 'http://deb.debian.org/debian';

/**
 * The first mirror in the machine's apt sources that serves `suite` (one-line `sources.list`
 * format and deb822 `.sources` files, see sources.list(5)), or {@link FALLBACK_DEBIAN_MIRROR}.
 *
 * @example
 * const mirror = await findDebianMirror('bookworm'); // 'http://deb.debian.org/debian'
 */
export async function findDebianMirror(suite: string, aptDir = '/etc/apt'): Promise<string> {
  const files: { path: string; deb822: boolean }[] = [{ path: join(aptDir, 'sources.list'), deb822: false }];
  const partsDir = join(aptDir, 'sources.list.d');
  const parts = await readdir(partsDir).catch(() => [] as string[]);
  for (const name of parts.sort()) {
    if (name.endsWith('.list')) files.push({ path: join(partsDir, name), deb822: false });
    else if (name.endsWith('.sources')) files.push({ path: join(partsDir, name), deb822: true });
  }
  for (const file of files) {
    const text = await readFile(file.path, 'utf8').catch(() => '');
    const mirror = file.deb822 ? mirrorFromDeb822(text, suite) : mirrorFromOneLine(text, suite);
    if (mirror) return mirror;
  }
  return FALLBACK_DEBIAN_MIRROR;
}

/** `deb [options] URI suite component…` */
export function mirrorFromOneLine(text: string, suite: string): string | undefined {
  for (const raw of text.split('\n')) {
    const line = raw
      .replace(/#.*/, '')
      .replace(/\[[^\]]*\]/, ' ')
      .trim();
    const [type, uri, lineSuite] = line.split(/\s+/);
    if (type === 'deb' && uri && lineSuite === suite && /^https?:\/\//.test(uri)) return stripSlash(uri);
  }
  return undefined;
}

/** Stanzas of `Field: value` lines separated by blank lines. */
export function mirrorFromDeb822(text: string, suite: string): string | undefined {
  const stanzas = text.split(/\n\s*\n/);
  for (const stanza of stanzas) {
    const fields = new Map<string, string>();
    let current: string | undefined;
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue;
      if (/^\s/.test(line) && current) {
        fields.set(current, `${fields.get(current) ?? ''} ${line.trim()}`);
        continue;
      }
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match?.[1]) {
        current = match[1].toLowerCase();
        fields.set(current, match[2] ?? '');
      }
    }
    const words = (name: string): string[] => (fields.get(name) ?? '').split(/\s+/).filter(Boolean);
    if (fields.get('enabled')?.trim() === 'no') continue;
    if (!words('types').includes('deb') || !words('suites').includes(suite)) continue;
    const uri = words('uris').find((candidate) => /^https?:\/\//.test(candidate));
    if (uri) return stripSlash(uri);
  }
  return undefined;
}

function stripSlash(uri: string): string {
  return uri.replace(/\/+$/, '');
}
