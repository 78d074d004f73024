/**
 * Finds the `rel="next"` target of a `Link` header (RFC 8288), as the distribution spec uses
 * for `_catalog` and `tags/list` pagination: `</v2/_catalog?last=b&n=2>; rel="next"`.
 * The target may be relative (distribution) or absolute (some vendors); it is resolved against
 * the URL of the response.
 */
export function nextLink(header: string | string[] | undefined, base: string): string | undefined {
  if (header === undefined) return undefined;
  const values = Array.isArray(header) ? header : [header];
  for (const value of values) {
    for (const part of value.split(/,(?=\s*<)/)) {
      const m = /^\s*<([^>]*)>(.*)$/.exec(part);
      if (!m) continue;
      const params = m[2] ?? '';
      const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(params);
      if (rel?.[1]?.split(/\s+/).includes('next')) {
        try {
          return new URL(m[1] ?? '', base).toString();
        } catch {
          return undefined;
        }
      }
    }
  }
  return undefined;
}
