import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { ContainerProfile } from '@berth/analysis';
import {
  CI_CONFIG_FILE,
  CiPolicyError,
  DEFAULT_CI_POLICY,
  applyPolicyValue,
  evaluateCiPolicy,
  parseCiConfig,
  type CiPolicy,
  type CiPolicyKey,
  type CiResult,
} from './ci-policy.js';
import { openApiSession } from '../api/api-session.js';
import { exitQuietlyOnEpipe } from '../terminal/output.js';
import { progressBar } from './progress-bar.js';
import { formatBytes } from '../terminal/format-bytes.js';
import { checkServerOptions, profileThroughServer, resolveServerImage } from './server-image.js';

interface CiOptions {
  readonly platform?: string;
  readonly creds?: string;
  readonly insecure?: boolean;
  readonly json?: boolean;
  readonly config?: string;
  readonly minEfficiency?: string;
  readonly maxWastedBytes?: string;
  readonly maxWastedPercent?: string;
  readonly failOn?: string;
  readonly ociLayout?: string;
  readonly server?: boolean;
}

/** Exit code of a policy violation: distinct from 1 (the check could not run) and 2 (usage). */
export const CI_POLICY_VIOLATION = 3;

const EXAMPLES = `
Examples:
  berth ci registry.internal:5000/team/app:$CI_COMMIT_SHA --min-efficiency 0.95 --fail-on high
  berth ci ghcr.io/acme/app:pr-42 --max-wasted-bytes 50MB --max-wasted-percent 10
  berth ci --oci-layout ./build/layout app --fail-on medium
  BERTH_TOKEN=… BERTH_SERVER=https://berth.example.com berth ci --server "Production ECR/team/app:$TAG"

Thresholds come from the options, else from ${CI_CONFIG_FILE} in the current directory
(or --config FILE), else the defaults (min-efficiency 0.9, max-wasted-percent 10, as dive's CI
mode). The file holds "key: value" lines with the option names:
  min-efficiency: 0.9
  max-wasted-bytes: 50MB      # decimal units; MiB/GiB for binary ones
  max-wasted-percent: 10      # wasted bytes as a share of the uncompressed image
  fail-on: high               # info | low | medium | high; "off" disables any check

Exit codes: 0 the image passes, 3 it violates the policy (the report says which check),
1 the image could not be analysed, 2 usage or a bad ${CI_CONFIG_FILE}.
With --server the server you are logged in to analyses the image (named as for
berth profile --server); the thresholds are checked here.`;

/** `berth ci REF`: profile an image and enforce efficiency and advice thresholds, for pipelines. */
export function ciCommand(): Command {
  return new Command('ci')
    .description('Check an image against efficiency and advice thresholds (no server); exit 3 when it fails.')
    .argument('[ref]', 'image reference; with --oci-layout, a tag in the layout')
    .option('--min-efficiency <ratio>', 'lowest efficiency score allowed (0..1, or a percentage)')
    .option('--max-wasted-bytes <size>', 'most bytes allowed in overwritten or deleted files (50MB, 20MiB)')
    .option('--max-wasted-percent <pct>', 'most wasted bytes allowed, as a percentage of the image')
    .option('--fail-on <severity>', 'fail on any advice at or above this severity (info|low|medium|high)')
    .option('--config <file>', `thresholds file (default ./${CI_CONFIG_FILE} when present)`)
    .option('--platform <os/arch[/variant]>', 'platform of a multi-arch image (default linux/amd64)')
    .option('--json', 'print the checks, findings and thresholds as JSON')
    .option('--creds <user:password>', 'registry credentials (else ~/.docker/config.json, else anonymous)')
    .option('--insecure', 'plain HTTP to the registry (loopback registries always are)')
    .option('--oci-layout <dir>', 'read the image from an OCI image layout directory')
    .option('--server', 'have the Berth server you are logged in to analyse the image')
    .addHelpText('after', EXAMPLES)
    .action(async function (this: Command, ref: string | undefined, options: CiOptions) {
      const usage = (message: string): never =>
        this.error(`berth: ${message}`, { exitCode: 2, code: 'berth.usage' });
      let policy: CiPolicy;
      try {
        policy = resolvePolicy(options);
      } catch (error) {
        if (error instanceof CiPolicyError) return usage(error.message);
        throw error;
      }
      checkServerOptions(options, usage);
      exitQuietlyOnEpipe();
      const bar = progressBar(process.stderr, 'analysing');
      let profile: ContainerProfile;
      let name: string;
      if (options.server) {
        if (ref === undefined)
          return usage('missing image reference (e.g. berth ci --server local/team/app:1.0)');
        const api = openApiSession();
        const image = await resolveServerImage(api, ref, options.platform);
        try {
          ({ profile } = await profileThroughServer<ContainerProfile>(api, image.spec, (p) => bar.update(p)));
        } finally {
          bar.clear();
        }
        name = image.name;
      } else {
        // Loaded only now: `berth --help` and the API commands start without them.
        const [{ analyzeImage }, { openSingleImage }] = await Promise.all([
          import('@berth/analysis'),
          import('./single-image.js'),
        ]);
        const image = await openSingleImage(
          ref,
          options,
          usage,
          'berth ci registry.internal:5000/team/app:1.0',
        );
        try {
          ({ profile } = await analyzeImage(image.source, image.identifier, {
            ...(image.platform ? { platform: image.platform } : {}),
            onProgress: (p) => bar.update(p),
          }));
        } finally {
          bar.clear();
          await image.close();
        }
        name = image.name;
      }
      const result = evaluateCiPolicy(profile, policy, formatBytes);
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ image: name, manifestDigest: profile.image.manifestDigest, policy, ...result, advice: profile.advice }, null, 2)}\n`
          : formatCiReport(name, profile, result),
      );
      if (!result.passed) process.exitCode = CI_POLICY_VIOLATION;
    });
}

/** Defaults, then the config file, then the options: the most specific wins. */
function resolvePolicy(options: CiOptions): CiPolicy {
  let policy: CiPolicy = { ...DEFAULT_CI_POLICY };
  const file = options.config ?? join(process.cwd(), CI_CONFIG_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    // Only an explicitly named file must exist.
    if (options.config !== undefined || (error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new CiPolicyError(`cannot read ${file}: ${(error as Error).message}`);
    }
  }
  if (text !== undefined) policy = parseCiConfig(text, policy);
  const flags: [CiPolicyKey, string | undefined][] = [
    ['min-efficiency', options.minEfficiency],
    ['max-wasted-bytes', options.maxWastedBytes],
    ['max-wasted-percent', options.maxWastedPercent],
    ['fail-on', options.failOn],
  ];
  for (const [key, value] of flags) {
    if (value === undefined) continue;
    try {
      policy = applyPolicyValue(policy, key, value);
    } catch (error) {
      throw new CiPolicyError(`--${key}: ${(error as Error).message}`);
    }
  }
  return policy;
}

/** One line per check, the failing findings under the advice check, then every finding. */
export function formatCiReport(name: string, profile: ContainerProfile, result: CiResult): string {
  const out: string[] = [`berth ci ${name} (${profile.image.manifestDigest})`];
  if (result.checks.length === 0) out.push('  (no thresholds configured)');
  for (const check of result.checks) {
    out.push(`  ${check.passed ? 'PASS' : 'FAIL'}  ${check.name.padEnd(13)}${check.detail}`);
    for (const f of check.findings ?? []) out.push(`          ${f.severity.padEnd(7)}${f.id}: ${f.title}`);
  }
  if (profile.advice.length > 0) {
    out.push('', 'Advice:');
    for (const a of profile.advice) {
      const saving = a.estimatedSavingsBytes > 0 ? ` (saves ${formatBytes(a.estimatedSavingsBytes)})` : '';
      out.push(`  ${a.severity.padEnd(7)}${a.id}${saving}: ${a.detail}`);
      if (a.paths.length > 0) {
        const more = a.pathCount > 5 ? `, … ${a.pathCount - 5} more` : '';
        out.push(`         ${a.paths.slice(0, 5).join(', ')}${more}`);
      }
    }
  }
  const failed = result.checks.filter((c) => !c.passed).length;
  out.push('', failed === 0 ? 'result: PASS' : `result: FAIL (${failed} of ${result.checks.length} checks)`);
  return `${out.join('\n')}\n`;
}
