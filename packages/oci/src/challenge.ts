/** One authentication challenge from a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
export interface Challenge {
  /** Lower-cased scheme: `basic`, `bearer`, … */
  readonly scheme: string;
  /** Parameter names lower-cased; values unquoted. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/**
 * Parses every challenge in a `WWW-Authenticate` header value, including several challenges in
 * one header (`Basic realm="r", Bearer realm="…",service="…"`), quoted strings with escapes
 * and commas, and token68 credentials. Unparseable tails are ignored rather than fatal, as
 * registries in the wild send slightly malformed headers.
 *
 * @example
 * parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"')
 * // [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io' } }]
 */
export function parseChallenges(header: string | readonly string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  if (typeof header !== 'string') return header.flatMap((h) => parseChallenges(h));
  const out: { scheme: string; params: Record<string, string> }[] = [];
  let s = header;
  const skip = (re: RegExp): void => {
    const m = re.exec(s);
    if (m) s = s.slice(m[0].length);
  };
  while (s.length > 0) {
    skip(/^[\s,]+/);
    const scheme = TOKEN.exec(s);
    if (!scheme) break;
    s = s.slice(scheme[0].length);
    const challenge = { scheme: scheme[0].toLowerCase(), params: {} as Record<string, string> };
    out.push(challenge);
    skip(/^ +/);
    // token68 (e.g. `Negotiate abc==`): a token not followed by "=" + value.
    const t68 = /^[A-Za-z0-9._~+/-]+=*(?=\s*(,|$))/.exec(s);
    if (t68) {
      challenge.params[''] = t68[0];
      s = s.slice(t68[0].length);
      continue;
    }
    for (;;) {
      const before = s;
      skip(/^[\s,]*/);
      const name = TOKEN.exec(s);
      if (!name) break;
      const afterName = s.slice(name[0].length);
      const eq = /^\s*=\s*/.exec(afterName);
      if (!eq) {
        s = before; // a new scheme starts here
        break;
      }
      s = afterName.slice(eq[0].length);
      let value: string;
      if (s.startsWith('"')) {
        let i = 1;
        value = '';
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        s = s.slice(Math.min(i + 1, s.length));
      } else {
        const v = /^[^,\s]*/.exec(s);
        value = v ? v[0] : '';
        s = s.slice(value.length);
      }
      challenge.params[name[0].toLowerCase()] = value;
    }
    skip(/^[^,]*/); // garbage up to the next comma
  }
  return out;
}

/** Scopes as the distribution token spec writes them: `repository:library/alpine:pull`. */
export function repositoryScope(repository: string, actions: readonly string[] = ['pull']): string {
  return `repository:${repository}:${actions.join(',')}`;
}

export const CATALOG_SCOPE = 'registry:catalog:*';
