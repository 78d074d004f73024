import {
  RegistryClient,
  basicAuthenticator,
  formatReference,
  parsePlatform,
  parseReference,
  referenceIdentifier,
  remoteImageSource,
  staticKeychain,
  type ImageSource,
  type Platform,
  type Reference,
} from '@berth/oci';
import { dockerConfigKeychain } from '../docker-config-keychain.js';

/** Options every stand-alone image command shares (as `berth profile` spells them). */
export interface ImageAccessOptions {
  readonly platform?: string;
  readonly creds?: string;
  readonly insecure?: boolean;
}

export interface OpenedImage {
  readonly reference: Reference;
  readonly source: ImageSource;
  /** Tag or digest to resolve on the source. */
  readonly identifier: string;
  /** For messages: `registry/repository:tag`. */
  readonly name: string;
}

export interface ImageAccess {
  readonly images: OpenedImage[];
  readonly platform: Platform | undefined;
  close(): Promise<void>;
}

/**
 * Parses image references and the shared options, then opens every image through one registry
 * client: `--creds` for the registries named (else `~/.docker/config.json`, else anonymous),
 * `--insecure` for plain HTTP. `usage` is called (and must throw) on bad input.
 */
export function openImages(
  refs: readonly string[],
  options: ImageAccessOptions,
  usage: (message: string) => never,
): ImageAccess {
  let platform: Platform | undefined;
  if (options.platform !== undefined) {
    try {
      platform = parsePlatform(options.platform);
    } catch (error) {
      usage((error as Error).message);
    }
  }
  const references = refs.map((ref) => {
    try {
      return parseReference(ref);
    } catch (error) {
      return usage((error as Error).message);
    }
  });
  let credentials: { username: string; password: string } | undefined;
  if (options.creds !== undefined) {
    const colon = options.creds.indexOf(':');
    if (colon <= 0) usage('--creds must be user:password');
    credentials = { username: options.creds.slice(0, colon), password: options.creds.slice(colon + 1) };
  }
  const registries = [...new Set(references.map((r) => r.registry))];
  const client = new RegistryClient({
    keychain: credentials
      ? staticKeychain(
          Object.fromEntries(
            registries.map((r) => [r, basicAuthenticator(credentials.username, credentials.password)]),
          ),
        )
      : dockerConfigKeychain(),
    ...(options.insecure
      ? { registries: Object.fromEntries(registries.map((r) => [r, { insecure: true }])) }
      : {}),
  });
  return {
    platform,
    images: references.map((reference) => ({
      reference,
      source: remoteImageSource(client, { registry: reference.registry, repository: reference.repository }),
      identifier: referenceIdentifier(reference),
      name: formatReference(reference),
    })),
    close: () => client.close(),
  };
}
