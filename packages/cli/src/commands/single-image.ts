import { ociLayoutSource, parsePlatform, type ImageSource, type Platform, type Reference } from '@berth/oci';
import { openImages, type ImageAccessOptions } from './image-access.js';

export interface SingleImageOptions extends ImageAccessOptions {
  readonly ociLayout?: string;
}

/** One image to analyse on this machine: from its registry, or from an OCI layout directory. */
export interface SingleImage {
  readonly source: ImageSource;
  /** Tag or digest to resolve on the source ('' for a layout's only image). */
  readonly identifier: string;
  /** For messages: `registry/repository:tag`, or `layout:tag`. */
  readonly name: string;
  /** The parsed reference of a registry image (SBOMs name it). */
  readonly reference?: Reference;
  readonly platform: Platform | undefined;
  close(): Promise<void>;
}

/**
 * Opens the image the stand-alone commands (`profile`, `sbom`, `ci`) analyse: `ref` from its
 * registry (credentials as `berth profile` documents), or with `--oci-layout DIR` the tag `ref`
 * (optional when the layout holds one image) in that directory. `usage` must throw.
 */
export async function openSingleImage(
  ref: string | undefined,
  options: SingleImageOptions,
  usage: (message: string) => never,
  example: string,
): Promise<SingleImage> {
  if (options.ociLayout === undefined) {
    if (ref === undefined) return usage(`missing image reference (e.g. ${example})`);
    const access = openImages([ref], options, usage);
    const image = access.images[0] as (typeof access.images)[number];
    return { ...image, platform: access.platform, close: () => access.close() };
  }
  let platform: Platform | undefined;
  if (options.platform !== undefined) {
    try {
      platform = parsePlatform(options.platform);
    } catch (error) {
      usage((error as Error).message);
    }
  }
  if (options.creds !== undefined || options.insecure)
    usage('--creds and --insecure are for registries, not --oci-layout');
  const source = await ociLayoutSource(options.ociLayout);
  return {
    source,
    identifier: ref ?? '',
    name: `${source.name}${ref ? `:${ref}` : ''}`,
    platform,
    close: () => Promise.resolve(),
  };
}
