import { Command, Option } from 'commander';
import type { ContainerProfile } from '@berth/analysis';
import { exitQuietlyOnEpipe } from '../terminal/output.js';
import { progressBar } from './progress-bar.js';
import { youngGenerationCollector } from './young-garbage.js';

interface ProfileOptions {
  readonly platform?: string;
  readonly json?: boolean;
  readonly sbom?: 'cyclonedx' | 'spdx';
  readonly creds?: string;
  readonly insecure?: boolean;
  readonly ociLayout?: string;
  readonly server?: boolean;
}

const EXAMPLES = `
Examples:
  berth profile debian:bookworm-slim
  berth profile ghcr.io/acme/app:1.4 --platform linux/arm64 --json > profile.json
  berth profile registry.internal:5000/team/app:main --creds ci:$TOKEN --insecure
  berth profile localhost:5000/team/app@sha256:… --sbom cyclonedx > sbom.cdx.json
  berth profile --oci-layout ./layout app-1.0 --sbom spdx > sbom.spdx.json
  berth profile --server "Production ECR/team/app:1.4"     # through your Berth server

Credentials: --creds, else ~/.docker/config.json ($DOCKER_CONFIG) — "auths" entries and
credential helpers ("credsStore", "credHelpers") whose docker-credential-<name> is on PATH —
else anonymous. Loopback registries (localhost, 127.0.0.1) are plain HTTP; --insecure for others.
With --server the server you are logged in to (berth login) analyses the image, and keeps the
profile: REF is CONNECTOR/REPOSITORY:TAG for one of your connectors, else a public image.
A progress bar is drawn on stderr when it is a terminal.

Exit codes: 0 done, 1 the image could not be profiled (one line on stderr says why), 2 usage.`;

/**
 * `berth profile REF`: the Container Profile of one image, straight from its registry (or an
 * OCI layout directory) with no server, or through the Berth server with `--server`.
 */
export function profileCommand(): Command {
  return new Command('profile')
    .description(
      'Profile an image straight from its registry (no server): contents, packages, security, waste.',
    )
    .argument(
      '[ref]',
      'image reference (registry/repository:tag or @digest); with --oci-layout, a tag in the layout',
    )
    .option('--platform <os/arch[/variant]>', 'platform of a multi-arch image (default linux/amd64)')
    .addOption(new Option('--json', 'print the whole profile as JSON').conflicts('sbom'))
    .addOption(
      new Option('--sbom <format>', 'print an SBOM instead of the summary').choices(['cyclonedx', 'spdx']),
    )
    .option('--creds <user:password>', 'registry credentials (else ~/.docker/config.json, else anonymous)')
    .option('--insecure', 'plain HTTP to the registry (loopback registries always are)')
    .option('--oci-layout <dir>', 'read the image from an OCI image layout directory instead of a registry')
    .option('--server', 'have the Berth server you are logged in to profile it (berth login)')
    .addHelpText('after', EXAMPLES)
    .action(async function (this: Command, ref: string | undefined, options: ProfileOptions) {
      const usage = (message: string): never =>
        this.error(`berth: ${message}`, { exitCode: 2, code: 'berth.usage' });
      // Loaded only now, and the server client only for --server: `berth --help`, the API
      // commands and a stand-alone profile start without what they do not use.
      const server = options.server
        ? await Promise.all([import('./server-image.js'), import('../api/api-session.js')])
        : undefined;
      server?.[0].checkServerOptions(options, usage);
      const { formatProfileSummary } = await import('./profile-summary.js');
      exitQuietlyOnEpipe();
      const bar = progressBar(process.stderr, 'profiling');
      // Ctrl-C: leave the terminal clean (no half-drawn bar) and exit as shells expect (128 + 2).
      const interrupted = (): void => {
        bar.clear();
        process.stderr.write('berth: interrupted\n');
        process.exit(130);
      };
      process.once('SIGINT', interrupted);
      try {
        if (server) {
          const [{ resolveServerImage, profileThroughServer, sbomThroughServer }, { openApiSession }] =
            server;
          if (ref === undefined)
            return usage('missing image reference (e.g. berth profile --server local/team/app:1.0)');
          const api = openApiSession();
          const image = await resolveServerImage(api, ref, options.platform);
          const { id, profile } = await profileThroughServer<ContainerProfile>(api, image.spec, (p) =>
            bar.update(p),
          );
          bar.clear();
          const output = options.sbom
            ? await sbomThroughServer(api, id, options.sbom)
            : options.json
              ? profile
              : undefined;
          process.stdout.write(
            output === undefined
              ? formatProfileSummary(profile, image.name)
              : `${JSON.stringify(output, null, 2)}\n`,
          );
          return;
        }
        // The engine's entry point alone (not the whole package: diff, SBOM…); SBOMs load theirs.
        const [{ profileImage }, { openSingleImage }, sbom] = await Promise.all([
          import('@berth/analysis/profile-image'),
          import('./single-image.js'),
          options.sbom ? import('@berth/analysis') : undefined,
        ]);
        const image = await openSingleImage(ref, options, usage, 'berth profile debian:bookworm');
        try {
          const collectYoungGarbage = youngGenerationCollector();
          const profile = await profileImage(image.source, image.identifier, {
            ...(image.platform ? { platform: image.platform } : {}),
            onProgress: (progress) => {
              bar.update(progress);
              collectYoungGarbage?.();
            },
          });
          bar.clear();
          const sbomOptions = image.reference ? { reference: image.reference } : {};
          const output =
            sbom && options.sbom === 'cyclonedx'
              ? sbom.toCycloneDx(profile, sbomOptions)
              : sbom && options.sbom === 'spdx'
                ? sbom.toSpdx(profile, sbomOptions)
                : options.json
                  ? profile
                  : undefined;
          process.stdout.write(
            output === undefined
              ? formatProfileSummary(profile, image.name)
              : `${JSON.stringify(output, null, 2)}\n`,
          );
        } finally {
          await image.close();
        }
      } finally {
        process.removeListener('SIGINT', interrupted);
        bar.clear();
      }
    });
}
