import { createHash } from 'node:crypto';
import { formatReference, type Reference } from '@berth/oci';
import type { ContainerProfile, ProfilePackage } from './container-profile.js';
import { imagePackageUrl, packageUrl } from './package-url.js';

/** What every SBOM export takes besides the profile. */
export interface SbomOptions {
  /**
   * The reference the image was profiled by (`ghcr.io/acme/app:1.2`): names the root
   * component and gives it an `oci` purl. Without it the image is named by its manifest digest.
   */
  readonly reference?: Reference;
  /** The document's creation time; default now. With a fixed time the output is reproducible. */
  readonly timestamp?: Date;
}

/** One profile package as an SBOM entry: its purl and an identifier unique in the document. */
export interface SbomPackage {
  readonly package: ProfilePackage;
  readonly purl: string;
  /** The purl, or the purl and a counter when two packages share one (npm copies at two paths). */
  readonly ref: string;
  /** Digest of the layer that introduced the package, when the profile lists that layer. */
  readonly layerDigest: string | undefined;
}

/** The image and its packages, as both SBOM formats describe them. */
export interface SbomSubject {
  readonly name: string;
  readonly manifestDigest: string;
  readonly purl: string | undefined;
  readonly timestamp: Date;
  /** Name-based: the same image and time give the same id, a new time a new one. */
  readonly uuid: string;
  readonly packages: readonly SbomPackage[];
}

/** Collects what {@link toCycloneDx} and {@link toSpdx} share. */
export function sbomSubject(profile: ContainerProfile, options: SbomOptions = {}): SbomSubject {
  const timestamp = options.timestamp ?? new Date();
  const seen = new Map<string, number>();
  const packages = profile.packages.map((pkg): SbomPackage => {
    const purl = packageUrl(pkg, profile.overview.os);
    const count = (seen.get(purl) ?? 0) + 1;
    seen.set(purl, count);
    return {
      package: pkg,
      purl,
      ref: count === 1 ? purl : `${purl}#${count}`,
      layerDigest: profile.layers[pkg.layerIndex]?.digest,
    };
  });
  const hash = createHash('sha256')
    .update(`${profile.image.manifestDigest}\n${timestamp.toISOString()}`)
    .digest('hex');
  // RFC 9562 layout with version 8 (custom, here name-based over SHA-256) and variant 10.
  const uuid = [
    hash.slice(0, 8),
    hash.slice(8, 12),
    `8${hash.slice(13, 16)}`,
    `${((parseInt(hash.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hash.slice(17, 20)}`,
    hash.slice(20, 32),
  ].join('-');
  return {
    name: options.reference ? formatReference(options.reference) : profile.image.manifestDigest,
    manifestDigest: profile.image.manifestDigest,
    purl: options.reference ? imagePackageUrl(profile, options.reference) : undefined,
    timestamp,
    uuid,
    packages,
  };
}
