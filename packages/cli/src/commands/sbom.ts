import { Command, Option } from 'commander';
import { openApiSession } from '../api/api-session.js';
import { exitQuietlyOnEpipe } from '../terminal/output.js';
import { progressBar } from './progress-bar.js';
import {
  checkServerOptions,
  profileThroughServer,
  resolveServerImage,
  sbomThroughServer,
} from './server-image.js';

interface SbomOptions {
  readonly format: 'cyclonedx' | 'spdx';
  readonly platform?: string;
  readonly creds?: string;
  readonly insecure?: boolean;
  readonly ociLayout?: string;
  readonly server?: boolean;
}

const EXAMPLES = `
Examples:
  berth sbom debian:bookworm-slim > sbom.cdx.json
  berth sbom ghcr.io/acme/app:1.4 --format spdx --platform linux/arm64 > sbom.spdx.json
  berth sbom --oci-layout ./layout app-1.0 --format spdx
  berth sbom --server "Production ECR/team/app:1.4" --format cyclonedx

CycloneDX 1.6 JSON or SPDX 2.3 JSON of the image's packages, on stdout. Stand-alone (credentials
as for berth profile), or through the server you are logged in to with --server.

Exit codes: 0 done, 1 the image could not be analysed, 2 usage.`;

/** `berth sbom REF`: a software bill of materials, stand-alone or through the server. */
export function sbomCommand(): Command {
  return new Command('sbom')
    .description('Print an SBOM (CycloneDX or SPDX JSON) of an image, stand-alone or through the server.')
    .argument(
      '[ref]',
      'image reference; with --oci-layout, a tag in the layout; with --server, CONNECTOR/REPOSITORY:TAG too',
    )
    .addOption(
      new Option('--format <format>', 'SBOM format').choices(['cyclonedx', 'spdx']).default('cyclonedx'),
    )
    .option('--platform <os/arch[/variant]>', 'platform of a multi-arch image (default linux/amd64)')
    .option('--creds <user:password>', 'registry credentials (else ~/.docker/config.json, else anonymous)')
    .option('--insecure', 'plain HTTP to the registry (loopback registries always are)')
    .option('--oci-layout <dir>', 'read the image from an OCI image layout directory')
    .option('--server', 'have the Berth server you are logged in to analyse it')
    .addHelpText('after', EXAMPLES)
    .action(async function (this: Command, ref: string | undefined, options: SbomOptions) {
      const usage = (message: string): never =>
        this.error(`berth: ${message}`, { exitCode: 2, code: 'berth.usage' });
      checkServerOptions(options, usage);
      exitQuietlyOnEpipe();
      const bar = progressBar(process.stderr, 'analysing');
      try {
        let document: unknown;
        if (options.server) {
          if (ref === undefined)
            return usage('missing image reference (e.g. berth sbom --server local/team/app:1.0)');
          const api = openApiSession();
          const image = await resolveServerImage(api, ref, options.platform);
          const { id } = await profileThroughServer(api, image.spec, (p) => bar.update(p));
          document = await sbomThroughServer(api, id, options.format);
        } else {
          // Loaded only now: `berth --help` and the API commands start without them.
          const [{ profileImage, toCycloneDx, toSpdx }, { openSingleImage }] = await Promise.all([
            import('@berth/analysis'),
            import('./single-image.js'),
          ]);
          const image = await openSingleImage(ref, options, usage, 'berth sbom debian:bookworm');
          try {
            const profile = await profileImage(image.source, image.identifier, {
              ...(image.platform ? { platform: image.platform } : {}),
              onProgress: (p) => bar.update(p),
            });
            const sbomOptions = image.reference ? { reference: image.reference } : {};
            document =
              options.format === 'spdx' ? toSpdx(profile, sbomOptions) : toCycloneDx(profile, sbomOptions);
          } finally {
            await image.close();
          }
        }
        bar.clear();
        process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      } finally {
        bar.clear();
      }
    });
}
