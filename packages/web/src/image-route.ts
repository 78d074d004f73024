/**
 * Addresses of image pages, Docker-style so they read well in the address bar:
 * `/images/<connectorId>/team/app:1.2` or `/images/<connectorId>/team/app@sha256:…`, and
 * `/images/public/library/alpine:3.20` for public images. Repository names cannot contain
 * `:` or `@` (distribution spec), so the last one of those splits name and reference.
 */
export interface ImageAddress {
  /** A connector id, or `public`. */
  readonly source: string;
  readonly repository: string;
  /** A tag or a `sha256:…` digest. */
  readonly reference: string;
}

const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

export function imagePath(address: ImageAddress): string {
  const sep = address.reference.includes(':') ? '@' : ':';
  return `/images/${encodeURIComponent(address.source)}/${encodePath(address.repository)}${sep}${encodeURIComponent(address.reference)}`;
}

export function parseImagePath(pathname: string): ImageAddress | undefined {
  const m = /^\/images\/([^/]+)\/(.+)$/.exec(pathname);
  if (!m?.[1] || !m[2]) return undefined;
  let rest: string;
  let source: string;
  try {
    source = decodeURIComponent(m[1]);
    rest = m[2]
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
  } catch {
    return undefined;
  }
  const at = rest.indexOf('@');
  if (at > 0) return { source, repository: rest.slice(0, at), reference: rest.slice(at + 1) };
  const colon = rest.lastIndexOf(':');
  if (colon > 0 && !rest.slice(colon).includes('/'))
    return { source, repository: rest.slice(0, colon), reference: rest.slice(colon + 1) };
  return { source, repository: rest, reference: 'latest' };
}
