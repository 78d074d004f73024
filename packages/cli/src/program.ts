import type { Command } from 'commander';
import type * as ServerModule from '@berth/server';
import { ciCommand } from './commands/ci.js';
import { completionCommand } from './commands/completion.js';
import { connectorsCommand } from './commands/connectors.js';
import { diffCommand } from './commands/diff.js';
import { loginCommand } from './commands/login.js';
import { logoutCommand } from './commands/logout.js';
import { lsCommand } from './commands/ls.js';
import { profileCommand } from './commands/profile.js';
import { sbomCommand } from './commands/sbom.js';
import { searchCommand } from './commands/search.js';
import { whoamiCommand } from './commands/whoami.js';
import { DEFAULT_GRACE_SECONDS, onShutdown, parseGraceSeconds, workerCommand } from './commands/worker.js';
import { exitTwoOnUsageErrors, rootCommand } from './program-root.js';

/**
 * The server package (Fastify, Kysely, SQLite…) takes seconds to load on a small machine, and
 * the stand-alone commands (`berth profile`) need none of it: it is imported only when a
 * server-side command is dispatched (the preSubcommand hook runs before the command's own
 * options, `--help` included, are parsed).
 */
const SERVER_COMMANDS = new Set(['serve', 'worker', 'migrate', 'keys']);
let serverModule: typeof ServerModule | undefined;
const loadServer = async (): Promise<typeof ServerModule> => (serverModule ??= await import('@berth/server'));

function environmentHelp(): string {
  // `berth help serve` prints help synchronously, without dispatching (so without the hook).
  if (!serverModule) return '\nConfiguration (environment): see `berth serve --help` or README.md.';
  return `\nConfiguration (environment):\n${serverModule.CONFIG_VARIABLES.map((v) => `  ${v.name.padEnd(26)} ${v.meaning} [${v.default}]`).join('\n')}`;
}

/** Builds the `berth` command tree. */
export function createProgram(): Command {
  const program = rootCommand().hook('preSubcommand', async (_program, command) => {
    if (SERVER_COMMANDS.has(command.name())) await loadServer();
  });

  program
    .command('serve')
    .description('Run the Berth server (API and portal).')
    .addHelpText(
      'after',
      () => `\nExample:\n  BERTH_PORT=9090 BERTH_DATA_DIR=/var/lib/berth berth serve\n${environmentHelp()}`,
    )
    .option('--no-worker', 'serve the API only; `berth worker` processes run the jobs (PostgreSQL)')
    .option(
      '--grace <seconds>',
      'on SIGTERM, how long running jobs may finish before they are handed back',
      parseGraceSeconds,
      DEFAULT_GRACE_SECONDS,
    )
    .action(async (options: { worker: boolean; grace: number }) => {
      const server = await (await loadServer()).startServer({ worker: options.worker });
      process.stderr.write(
        `berth listening on ${server.url}${options.worker ? '' : ' (API only, no jobs)'}\n`,
      );
      onShutdown(options.grace, (deadlineMs) => server.close(deadlineMs));
    });

  program
    .command('migrate')
    .description('Create or upgrade the database schema, then exit (serve does this too).')
    .addHelpText('after', '\nExample:\n  BERTH_DATA_DIR=/var/lib/berth berth migrate')
    .action(async () => {
      const runtime = await (await loadServer()).openRuntime();
      await runtime.close();
      process.stdout.write(`database is up to date (${runtime.config.dataDir})\n`);
    });

  program
    .command('keys')
    .description('Manage the master key that encrypts stored registry credentials.')
    .addHelpText('after', '\nExample:\n  BERTH_DATA_DIR=/var/lib/berth berth keys rotate')
    .command('rotate')
    .description('Re-wrap every stored secret under a new master key; servers keep running.')
    .addHelpText(
      'after',
      '\nWith the key file in BERTH_DATA_DIR, a new key is generated and the old one dropped afterwards.\n' +
        'With BERTH_MASTER_KEY, put the new key there and the old one in BERTH_MASTER_KEY_PREVIOUS first.\n\nExample:\n  berth keys rotate',
    )
    .action(async () => {
      const result = await (await loadServer()).rotateMasterKey();
      process.stdout.write(
        `re-wrapped ${result.rewrapped} secret(s); active master key ${result.activeKeyId} (${result.source})\n`,
      );
    });

  program.addCommand(workerCommand(loadServer));
  program.addCommand(loginCommand());
  program.addCommand(logoutCommand());
  program.addCommand(whoamiCommand());
  program.addCommand(connectorsCommand());
  program.addCommand(lsCommand());
  program.addCommand(searchCommand());
  program.addCommand(profileCommand());
  program.addCommand(diffCommand());
  program.addCommand(ciCommand());
  program.addCommand(sbomCommand());
  program.addCommand(completionCommand());
  program.addHelpText(
    'after',
    `
Examples:
  berth login --server https://berth.example.com
  berth connectors add
  berth ls "Production ECR"/team/app
  berth profile debian:bookworm-slim
  berth ci registry.internal:5000/team/app:$CI_COMMIT_SHA --fail-on high

Environment: BERTH_SERVER and BERTH_TOKEN override the stored login (for pipelines);
NO_COLOR turns colour off. Exit codes: 0 ok, 1 failure, 2 usage, 3 policy violation (berth ci).`,
  );

  exitTwoOnUsageErrors(program);
  return program;
}
