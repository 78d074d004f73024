import { AnalysisError } from './analysis-error.js';

/**
 * Normalises a tar entry name (or hardlink target) to a clean path relative to the image root:
 * `./usr/bin/`, `/usr/bin` and `usr//./bin` all become `usr/bin`; the root itself is `''`.
 *
 * Absolute names are taken relative to the root, as GNU tar ("Removing leading '/'") and
 * containerd do. `..` is resolved lexically while it stays inside the root; a name that climbs
 * out of it (`../etc/passwd`) is refused, as moby's archive package refuses it ("breakout"),
 * and so is a name with a NUL byte (only PAX and GNU long names can carry one).
 *
 * @example
 * normaliseEntryPath('./etc/../usr/bin/'); // 'usr/bin'
 */
export function normaliseEntryPath(raw: string, what = 'entry'): string {
  if (raw.includes('\u0000')) {
    throw new AnalysisError('hostile_path', `tar ${what} name ${JSON.stringify(raw)} contains a NUL byte`);
  }
  const out: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) {
        throw new AnalysisError(
          'hostile_path',
          `tar ${what} name ${JSON.stringify(raw)} climbs out of the image root`,
        );
      }
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out.join('/');
}

/** `a/b/c` → `a/b`; `c` → `''`. */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** `a/b/c` → `c`. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Joins a clean parent and a name (either may be the root `''`). */
export function joinPath(parent: string, name: string): string {
  return parent === '' ? name : name === '' ? parent : `${parent}/${name}`;
}
