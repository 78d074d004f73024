import { Command, Option } from 'commander';
import {
  RegistryClient,
  basicAuthenticator,
  formatReference,
  ociLayoutSource,
  parsePlatform,
  parseReference,
  referenceIdentifier,
  remoteImageSource,
  staticKeychain,
  type ImageSource,
  type Platform,
  type Reference,
} from '@berth/oci';
import { profileImage, toCycloneDx, toSpdx } from '@berth/analysis';
import { dockerConfigKeychain } from '../docker-config-keychain.js';
import { progressBar } from './progress-bar.js';
import { formatProfileSummary } from './profile-summary.js';

interface ProfileOptions {
  readonly platform?: string;
  readonly json?: boolean;
  readonly sbom?: 'cyclonedx' | 'spdx';
  readonly creds?: string;
  readonly insecure?: boolean;
  readonly ociLayout?: string;
}

const EXAMPLES = `
Examples:
  berth profile debian:bookworm-slim
  berth profile ghcr.io/acme/app:1.4 --platform linux/arm64 --json > profile.json
  berth profile registry.internal:5000/team/app:main --creds ci:$TOKEN --insecure
  berth profile localhost:5000/team/app@sha256:… --sbom cyclonedx > sbom.cdx.json
  berth profile --oci-layout ./layout app-1.0 --sbom spdx > sbom.spdx.json

Credentials: --creds, else ~/.docker/config.json ($DOCKER_CONFIG) — "auths" entries and
credential helpers ("credsStore", "credHelpers") whose docker-credential-<name> is on PATH —
else anonymous. Loopback registries (localhost, 127.0.0.1) are plain HTTP; --insecure for others.
A progress bar is drawn on stderr when it is a terminal.

Exit codes: 0 done, 1 the image could not be profiled (one line on stderr says why), 2 usage.`;

/**
 * `berth profile REF`: the stand-alone Container Profile of one image, straight from its
 * registry (or an OCI layout directory), with no server.
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
    .addHelpText('after', EXAMPLES)
    .action(async function (this: Command, ref: string | undefined, options: ProfileOptions) {
      const usage = (message: string): never =>
        this.error(`berth: ${message}`, { exitCode: 2, code: 'berth.usage' });
      let platform: Platform | undefined;
      if (options.platform !== undefined) {
        try {
          platform = parsePlatform(options.platform);
        } catch (error) {
          usage((error as Error).message);
        }
      }
      if (options.ociLayout !== undefined && (options.creds !== undefined || options.insecure)) {
        usage('--creds and --insecure are for registries, not --oci-layout');
      }
      let reference: Reference | undefined;
      if (options.ociLayout === undefined) {
        if (ref === undefined) usage('missing image reference (e.g. berth profile debian:bookworm)');
        try {
          reference = parseReference(ref as string);
        } catch (error) {
          usage((error as Error).message);
        }
      }
      let credentials: { username: string; password: string } | undefined;
      if (options.creds !== undefined) {
        const colon = options.creds.indexOf(':');
        if (colon <= 0) usage('--creds must be user:password');
        credentials = { username: options.creds.slice(0, colon), password: options.creds.slice(colon + 1) };
      }

      let client: RegistryClient | undefined;
      let source: ImageSource;
      let identifier: string;
      let name: string;
      if (reference) {
        const { registry } = reference;
        client = new RegistryClient({
          keychain: credentials
            ? staticKeychain({ [registry]: basicAuthenticator(credentials.username, credentials.password) })
            : dockerConfigKeychain(),
          ...(options.insecure ? { registries: { [registry]: { insecure: true } } } : {}),
        });
        source = remoteImageSource(client, { registry, repository: reference.repository });
        identifier = referenceIdentifier(reference);
        name = formatReference(reference);
      } else {
        source = await ociLayoutSource(options.ociLayout as string);
        identifier = ref ?? '';
        name = `${source.name}${ref ? `:${ref}` : ''}`;
      }

      // `berth profile … | head` closes the pipe early: that is the reader's choice, not a failure.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') process.exit(0);
        throw error;
      });
      const bar = progressBar(process.stderr, 'profiling');
      // Ctrl-C: leave the terminal clean (no half-drawn bar) and exit as shells expect (128 + 2).
      const interrupted = (): void => {
        bar.clear();
        process.stderr.write('berth: interrupted\n');
        process.exit(130);
      };
      process.once('SIGINT', interrupted);
      try {
        const profile = await profileImage(source, identifier, {
          ...(platform ? { platform } : {}),
          onProgress: (progress) => bar.update(progress),
        });
        bar.clear();
        const sbomOptions = reference ? { reference } : {};
        const output =
          options.sbom === 'cyclonedx'
            ? toCycloneDx(profile, sbomOptions)
            : options.sbom === 'spdx'
              ? toSpdx(profile, sbomOptions)
              : options.json
                ? profile
                : undefined;
        process.stdout.write(
          output === undefined ? formatProfileSummary(profile, name) : `${JSON.stringify(output, null, 2)}\n`,
        );
      } finally {
        process.removeListener('SIGINT', interrupted);
        bar.clear();
        await client?.close();
      }
    });
}
