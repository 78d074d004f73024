import { OciError } from './errors.js';

/** An image platform as in the OCI image index (`os`, `architecture`, optional `variant`). */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly osVersion?: string;
}

/** Parses `linux/arm64/v8` style strings. */
export function parsePlatform(value: string): Platform {
  const parts = value.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/i.test(p))) {
    throw new OciError(
      'invalid_argument',
      `platform "${value}" is not of the form os/architecture[/variant]`,
    );
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(platform: Platform): string {
  return platform.variant
    ? `${platform.os}/${platform.architecture}/${platform.variant}`
    : `${platform.os}/${platform.architecture}`;
}

/**
 * Variant defaults from containerd's platforms package: arm64 means v8 and arm means v7 when
 * the variant is not given, so `linux/arm64` matches an entry labelled `linux/arm64/v8`.
 */
function normaliseVariant(platform: Platform): string | undefined {
  if (platform.variant) return platform.variant;
  if (platform.architecture === 'arm64') return 'v8';
  if (platform.architecture === 'arm') return 'v7';
  return undefined;
}

export function platformMatches(wanted: Platform, candidate: Platform): boolean {
  return (
    wanted.os === candidate.os &&
    wanted.architecture === candidate.architecture &&
    normaliseVariant(wanted) === normaliseVariant(candidate)
  );
}

/** BuildKit attestation manifests are listed with platform unknown/unknown. */
export function isUnknownPlatform(platform: Platform | undefined): boolean {
  return platform === undefined || (platform.os === 'unknown' && platform.architecture === 'unknown');
}
