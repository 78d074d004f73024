import { imageKey, parseImageKey, type ImageAddress } from '../image-route';

/** The two images of a Diff page: A (before, left) and B (after, right), each with an optional platform. */
export interface DiffAddress {
  readonly a: ImageAddress;
  readonly b: ImageAddress;
  readonly ap?: string;
  readonly bp?: string;
}

/** Query values keep `/`, `:` and `@` readable (RFC 3986 allows them in a query). */
const encodeValue = (value: string) =>
  encodeURIComponent(value).replace(/%2F/g, '/').replace(/%3A/g, ':').replace(/%40/g, '@');

/**
 * The Diff page's address: `/diff?a=<connector>/team/app:1.0&b=<connector>/team/app:1.1`, with
 * `ap`/`bp` for a platform of a multi-arch image and any view state after them (`tab`, `change`,
 * `q`). It names the images, not a server-side diff id, so it can be shared, bookmarked and
 * reloaded: the server answers at once when that pair was compared before.
 */
export function diffPath(address: DiffAddress, view: Record<string, string | null | undefined> = {}): string {
  const params: [string, string][] = [
    ['a', imageKey(address.a)],
    ['b', imageKey(address.b)],
  ];
  if (address.ap) params.push(['ap', address.ap]);
  if (address.bp) params.push(['bp', address.bp]);
  for (const [k, v] of Object.entries(view)) if (v) params.push([k, v]);
  return `/diff?${params.map(([k, v]) => `${k}=${encodeValue(v)}`).join('&')}`;
}

export function parseDiffSearch(search: URLSearchParams): DiffAddress | undefined {
  const a = parseImageKey(search.get('a'));
  const b = parseImageKey(search.get('b'));
  if (!a || !b) return undefined;
  const ap = search.get('ap');
  const bp = search.get('bp');
  return { a, b, ...(ap ? { ap } : {}), ...(bp ? { bp } : {}) };
}

/** The same pair the other way round. */
export function swapped(address: DiffAddress): DiffAddress {
  return {
    a: address.b,
    b: address.a,
    ...(address.bp ? { ap: address.bp } : {}),
    ...(address.ap ? { bp: address.ap } : {}),
  };
}
