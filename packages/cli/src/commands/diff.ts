import { Command, Option } from 'commander';
import type { Platform } from '@berth/oci';
import type { ImageAnalysis, ImageDiff, ProfileProgress } from '@berth/analysis';
import { openApiSession } from '../api/api-session.js';
import { exitQuietlyOnEpipe } from '../terminal/output.js';
import type { ImageAccess } from './image-access.js';
import { progressBar } from './progress-bar.js';
import { checkServerOptions, diffThroughServer, resolveServerImage } from './server-image.js';

interface DiffOptions {
  readonly platform?: string;
  readonly leftPlatform?: string;
  readonly rightPlatform?: string;
  readonly json?: boolean;
  readonly includeMetadata?: boolean;
  readonly creds?: string;
  readonly insecure?: boolean;
  readonly ociLayout?: string;
  readonly server?: boolean;
  readonly limit: string;
}

const EXAMPLES = `
Examples:
  berth diff debian:bookworm-20240110 debian:bookworm-20240211
  berth diff registry.internal:5000/team/app:1.4 registry.internal:5000/team/app:1.5 --json > diff.json
  berth diff ghcr.io/acme/app:main ghcr.io/acme/app:main --platform linux/arm64 --include-metadata
  berth diff ghcr.io/acme/app:1.5 ghcr.io/acme/app:1.5 --left-platform linux/amd64 --right-platform linux/arm64
  berth diff --oci-layout ./layout app-1.4 app-1.5
  berth diff --server "Production ECR/team/app:1.4" "Production ECR/team/app:1.5"

Files are compared by content hash, mode, owner and link target, not by modification time
(--include-metadata also lists files whose only change is their mtime). Layers both images
share are analysed once. Credentials as for berth profile (--creds applies to both images).
With --oci-layout both are tags in one layout directory; with --server the server you are logged
in to computes (and keeps) the diff, the images named as for berth profile --server.

Exit codes: 0 done (whether or not the images differ), 1 failure, 2 usage.`;

/** `berth diff A B`: what changed between two images, straight from their registries (no server). */
export function diffCommand(): Command {
  return new Command('diff')
    .description('Compare two images (no server): config, layers, files, packages, Dockerfile.')
    .argument('<left>', 'the "before" image reference')
    .argument('<right>', 'the "after" image reference')
    .option('--platform <os/arch[/variant]>', 'platform of multi-arch images (default linux/amd64)')
    .option('--left-platform <os/arch[/variant]>', 'platform of the left image (overrides --platform)')
    .option('--right-platform <os/arch[/variant]>', 'platform of the right image (overrides --platform)')
    .option('--json', 'print the whole diff as JSON')
    .option('--include-metadata', 'also report files whose only change is their modification time')
    .addOption(new Option('--limit <n>', 'file and package changes listed per kind').default('20'))
    .option('--creds <user:password>', 'registry credentials (else ~/.docker/config.json, else anonymous)')
    .option('--insecure', 'plain HTTP to the registry (loopback registries always are)')
    .option('--oci-layout <dir>', 'read both images (tags) from an OCI image layout directory')
    .option('--server', 'have the Berth server you are logged in to compute the diff (berth login)')
    .addHelpText('after', EXAMPLES)
    .action(async function (this: Command, left: string, right: string, options: DiffOptions) {
      const usage = (message: string): never =>
        this.error(`berth: ${message}`, { exitCode: 2, code: 'berth.usage' });
      if (!/^[0-9]{1,6}$/.test(options.limit)) usage('--limit must be a whole number');
      const limit = Number(options.limit);
      checkServerOptions(options, usage);
      // Loaded only now: `berth --help` and the API commands start without them.
      const [
        { formatPlatform, ociLayoutSource, parsePlatform },
        { analyzeImage, diffImages, memoryLayerCache },
      ] = await Promise.all([import('@berth/oci'), import('@berth/analysis')]);
      const { formatDiffSummary } = await import('./diff-summary.js');
      const parse = (text: string | undefined, fallback: Platform | undefined): Platform | undefined => {
        if (text === undefined) return fallback;
        try {
          return parsePlatform(text);
        } catch (error) {
          return usage((error as Error).message);
        }
      };
      exitQuietlyOnEpipe();
      const print = (diff: ImageDiff, names: readonly [string, string]): void => {
        process.stdout.write(
          options.json ? `${JSON.stringify(diff, null, 2)}\n` : formatDiffSummary(diff, names, limit),
        );
      };
      if (options.server) {
        const common = parse(options.platform, undefined);
        const sides = [options.leftPlatform, options.rightPlatform].map((t) => parse(t, common));
        const api = openApiSession();
        const images = await Promise.all(
          [left, right].map((ref, i) =>
            resolveServerImage(api, ref, sides[i] ? formatPlatform(sides[i]) : undefined),
          ),
        );
        const bar = progressBar(process.stderr, 'diffing');
        try {
          const diff = await diffThroughServer<ImageDiff>(
            api,
            (images[0] as (typeof images)[number]).spec,
            (images[1] as (typeof images)[number]).spec,
            options.includeMetadata === true,
            (done, total) =>
              bar.update({ layersDone: done, layersTotal: total, bytesDone: done, bytesTotal: total }),
          );
          bar.clear();
          print(diff, [images[0]?.name ?? left, images[1]?.name ?? right]);
        } finally {
          bar.clear();
        }
        return;
      }
      let access: ImageAccess;
      if (options.ociLayout !== undefined) {
        if (options.creds !== undefined || options.insecure)
          usage('--creds and --insecure are for registries, not --oci-layout');
        const platform = parse(options.platform, undefined);
        const source = await ociLayoutSource(options.ociLayout);
        access = {
          platform,
          images: [left, right].map((tag) => ({
            reference: { registry: '', repository: source.name, tag, digest: undefined },
            source,
            identifier: tag,
            name: `${source.name}:${tag}`,
          })),
          close: () => Promise.resolve(),
        };
      } else access = (await import('./image-access.js')).openImages([left, right], options, usage);
      const platforms = [options.leftPlatform, options.rightPlatform].map((text) =>
        parse(text, access.platform),
      );
      const bar = progressBar(process.stderr, 'diffing');
      const progress: ProfileProgress[] = [];
      const report = (side: number, p: ProfileProgress): void => {
        progress[side] = p;
        const sum = (k: keyof ProfileProgress): number => progress.reduce((s, x) => s + x[k], 0);
        bar.update({
          layersDone: sum('layersDone'),
          layersTotal: sum('layersTotal'),
          bytesDone: sum('bytesDone'),
          bytesTotal: sum('bytesTotal'),
        });
      };
      try {
        // One cache: layers the two images share are fetched and analysed once.
        const cache = memoryLayerCache();
        const [a, b] = (await Promise.all(
          access.images.map((image, side) =>
            analyzeImage(image.source, image.identifier, {
              cache,
              ...(platforms[side] ? { platform: platforms[side] } : {}),
              onProgress: (p) => report(side, p),
            }),
          ),
        )) as [ImageAnalysis, ImageAnalysis];
        bar.clear();
        const diff = diffImages(a, b, { includeMetadata: options.includeMetadata === true });
        print(diff, access.images.map((i) => i.name) as [string, string]);
      } finally {
        bar.clear();
        await access.close();
      }
    });
}
