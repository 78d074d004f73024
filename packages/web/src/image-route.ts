import type { ImageSpec } from './api/types';

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

/** `source/repository:tag` or `source/repository@sha256:…`: an address as one query-string value. */
export function imageKey(address: ImageAddress): string {
  const sep = address.reference.includes(':') ? '@' : ':';
  return `${address.source}/${address.repository}${sep}${address.reference}`;
}

export function parseImageKey(key: string | null): ImageAddress | undefined {
  return key ? parseImagePath(`/images/${key}`) : undefined;
}

/** What the API is asked for: a connector's image, or a public Docker Hub reference. */
export function imageSpec(address: ImageAddress, platform: string | null): ImageSpec {
  const p = platform ? { platform } : {};
  if (address.source === 'public') {
    const sep = address.reference.includes(':') ? '@' : ':';
    const name = address.repository.includes('/') ? address.repository : `library/${address.repository}`;
    return { ref: `docker.io/${name}${sep}${address.reference}`, ...p };
  }
  return { connectorId: address.source, repository: address.repository, reference: address.reference, ...p };
}
