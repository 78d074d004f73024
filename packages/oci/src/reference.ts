import { OciError } from './errors.js';
import { parseDigest } from './digest.js';

/**
 * A parsed image reference. Docker Hub names are normalised the way the Docker CLI does
 * (distribution/reference `ParseNormalizedNamed`): `alpine` → `docker.io/library/alpine`,
 * `index.docker.io/foo/bar` → `docker.io/foo/bar`.
 */
export interface Reference {
  /** Registry host with optional port, e.g. `docker.io`, `ghcr.io`, `localhost:5000`, `[::1]:5000`. */
  readonly registry: string;
  /** Repository path inside the registry, e.g. `library/alpine`. */
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

export interface ParseReferenceOptions {
  /** Tag used when the input has neither a tag nor a digest. Default `latest`; `null` keeps it absent. */
  readonly defaultTag?: string | null;
  /** Registry for names without one. Default `docker.io`. */
  readonly defaultRegistry?: string;
}

export const DOCKER_HUB = 'docker.io';
/** The host that actually serves Docker Hub's `/v2/` API. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

// Grammar from distribution/reference (regexp.go).
const ALPHANUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = new RegExp(`^${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*$`);
const DOMAIN_NAME_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const HOST = `(?:${DOMAIN_NAME_COMPONENT}(?:\\.${DOMAIN_NAME_COMPONENT})*|${IPV6})`;
const DOMAIN = new RegExp(`^${HOST}(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const MAX_NAME_LENGTH = 255;

/**
 * Parses `[registry/]repository[:tag][@digest]`.
 *
 * @example
 * parseReference('alpine:3.20') // { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }
 * parseReference('localhost:5000/team/app@sha256:…')
 * @throws OciError `invalid_reference` naming what is wrong.
 */
export function parseReference(input: string, options: ParseReferenceOptions = {}): Reference {
  const fail = (why: string): never => {
    throw new OciError('invalid_reference', `invalid image reference "${clip(input)}": ${why}`);
  };
  if (typeof input !== 'string' || input.length === 0) fail('it is empty');
  if (input !== input.trim() || /\s/.test(input)) fail('it contains whitespace');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) fail('leave out the scheme (write "host/repository:tag")');

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest);
    } catch (error) {
      fail(error instanceof Error ? error.message : 'invalid digest');
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) {
      fail(
        tag.length === 0
          ? 'the tag after ":" is empty'
          : `tag "${clip(tag)}" is invalid (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`,
      );
    }
  }
  if (rest.length === 0) fail('the repository name is missing');

  let registry = options.defaultRegistry ?? DOCKER_HUB;
  let repository = rest;
  const firstSlash = rest.indexOf('/');
  if (firstSlash >= 0) {
    const first = rest.slice(0, firstSlash);
    // A first component is a registry when it looks like a host: it has a dot or a port,
    // is "localhost", or has upper-case letters (which repositories cannot have).
    if (
      first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first !== first.toLowerCase()
    ) {
      registry = first;
      repository = rest.slice(firstSlash + 1);
      if (!DOMAIN.test(registry)) fail(`registry "${clip(registry)}" is not a valid host[:port]`);
    }
  }
  if (DOCKER_HUB_ALIASES.has(registry.toLowerCase())) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;

  if (repository.length === 0) fail('the repository name is missing');
  if (repository !== repository.toLowerCase()) fail('repository names must be lower-case');
  for (const component of repository.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      fail(
        component.length === 0
          ? 'the repository name has an empty path component ("//" or a trailing "/")'
          : `path component "${clip(component)}" is invalid (lower-case letters and digits, separated by ".", "_", "__" or "-")`,
      );
    }
  }
  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH) {
    fail(`the name is longer than ${MAX_NAME_LENGTH} characters`);
  }

  if (tag === undefined && digest === undefined) {
    const defaultTag = options.defaultTag === undefined ? 'latest' : options.defaultTag;
    if (defaultTag !== null) tag = defaultTag;
  }
  return { registry, repository, tag, digest };
}

/** The canonical form `registry/repository[:tag][@digest]`, e.g. `docker.io/library/alpine:3.20`. */
export function formatReference(reference: Reference): string {
  let out = `${reference.registry}/${reference.repository}`;
  if (reference.tag !== undefined) out += `:${reference.tag}`;
  if (reference.digest !== undefined) out += `@${reference.digest}`;
  return out;
}

/** The short form people type: `alpine:3.20` for Docker Hub official images, canonical otherwise. */
export function formatFamiliarReference(reference: Reference): string {
  const canonical = formatReference(reference);
  if (reference.registry !== DOCKER_HUB) return canonical;
  const name =
    reference.repository.startsWith('library/') && reference.repository.indexOf('/', 8) < 0
      ? reference.repository.slice('library/'.length)
      : reference.repository;
  return canonical.replace(`${DOCKER_HUB}/${reference.repository}`, name);
}

/** What to ask the registry for: the digest when there is one (it pins content), else the tag. */
export function referenceIdentifier(reference: Reference): string {
  return reference.digest ?? reference.tag ?? 'latest';
}

/** The host serving the `/v2/` API for a registry name (Docker Hub's differs from its name). */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

/** Loopback registries speak plain HTTP by default, as the Docker daemon assumes. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = hostOf(registry);
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `localhost:5000` → `localhost`, `[::1]:5000` → `::1`. */
export function hostOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const colon = registry.lastIndexOf(':');
  return colon < 0 ? registry : registry.slice(0, colon);
}

function clip(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
