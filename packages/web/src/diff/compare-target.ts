import type { ImageAddress } from '../image-route';

/** Tag grammar of the distribution spec: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** Repository names: lowercase path components joined by `/` (distribution spec). */
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export type CompareTarget =
  { readonly ok: true; readonly address: ImageAddress } | { readonly ok: false; readonly error: string };

/**
 * What a person may type in "Compare with…", read against the image being looked at:
 * `1.2` (a tag of the same repository), `sha256:…` (a digest of it), `team/other:2.0` or
 * `team/other@sha256:…` (another repository reached through the same connector), or
 * `docker.io/library/alpine:3.20` (a public image). Anything else gets a sentence saying why.
 */
export function parseCompareTarget(input: string, current: ImageAddress): CompareTarget {
  const text = input.trim();
  if (!text) return { ok: false, error: 'Type a tag, a digest or an image reference.' };
  if (DIGEST.test(text)) return { ok: true, address: { ...current, reference: text } };
  if (TAG.test(text)) return { ok: true, address: { ...current, reference: text } };

  let source = current.source;
  let rest = text;
  const hub = /^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\/(.+)$/.exec(text);
  if (hub?.[1]) {
    source = 'public';
    rest = hub[1];
  }
  let repository = rest;
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    repository = rest.slice(0, at);
    reference = rest.slice(at + 1);
    if (!DIGEST.test(reference))
      return { ok: false, error: `“${reference}” is not a digest: it looks like sha256: and 64 hex digits.` };
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > 0 && !rest.slice(colon).includes('/')) {
      repository = rest.slice(0, colon);
      reference = rest.slice(colon + 1);
      if (!TAG.test(reference))
        return {
          ok: false,
          error: `“${reference}” is not a tag: letters, digits, _ . and - only, at most 128 characters.`,
        };
    }
  }
  if (source === 'public' && !repository.includes('/')) repository = `library/${repository}`;
  if (!REPOSITORY.test(repository))
    return {
      ok: false,
      error: `“${repository}” is not a repository name: lowercase letters, digits and . _ - between slashes.`,
    };
  return { ok: true, address: { source, repository, reference } };
}
