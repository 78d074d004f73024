/**
 * What a registry is told about who we are. Shapes follow go-containerregistry's `authn`:
 * a `Keychain` finds an `Authenticator` for a registry, and the authenticator yields the
 * credentials only when a request actually needs them (so servers decrypt secrets lazily).
 */
export type AuthConfig =
  | { readonly kind: 'anonymous' }
  /** Username and password or personal access token; sent as Basic, or to the token realm. */
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  /** A registry bearer token used as is (no exchange at a token realm). */
  | { readonly kind: 'bearer'; readonly token: string };

export interface Authenticator {
  authorization(signal?: AbortSignal): Promise<AuthConfig>;
  /**
   * The registry refused `rejected`, which this authenticator gave out (a 401). Authenticators
   * whose credential is a short-lived token (ECR's registry password, a Google access token)
   * drop it here, so the next `authorization()` fetches a fresh one; the client then tries the
   * request once more. Fixed credentials leave this out.
   */
  invalidate?(rejected: AuthConfig): void;
}

export interface Keychain {
  /** `registry` is the registry name as in references (`docker.io`, `localhost:5000`). */
  resolve(registry: string, signal?: AbortSignal): Promise<Authenticator>;
}

export const ANONYMOUS: Authenticator = Object.freeze({
  authorization: () => Promise.resolve({ kind: 'anonymous' } as const),
});

export function basicAuthenticator(username: string, password: string): Authenticator {
  const config: AuthConfig = Object.freeze({ kind: 'basic', username, password });
  return { authorization: () => Promise.resolve(config) };
}

export function bearerAuthenticator(token: string): Authenticator {
  const config: AuthConfig = Object.freeze({ kind: 'bearer', token });
  return { authorization: () => Promise.resolve(config) };
}

/** A keychain that knows nobody: every registry is accessed anonymously. */
export const ANONYMOUS_KEYCHAIN: Keychain = Object.freeze({ resolve: () => Promise.resolve(ANONYMOUS) });

/** A fixed map from registry name to authenticator; unknown registries are anonymous. */
export function staticKeychain(entries: Readonly<Record<string, Authenticator>>): Keychain {
  const map = new Map(Object.entries(entries));
  return { resolve: (registry) => Promise.resolve(map.get(registry) ?? ANONYMOUS) };
}

/** Tries keychains in order; the first one that returns non-anonymous credentials wins. */
export function multiKeychain(...keychains: readonly Keychain[]): Keychain {
  return {
    async resolve(registry, signal) {
      for (const keychain of keychains) {
        const authenticator = await keychain.resolve(registry, signal);
        if (authenticator === ANONYMOUS) continue;
        return authenticator;
      }
      return ANONYMOUS;
    },
  };
}
