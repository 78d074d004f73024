import { Command } from 'commander';
import { CONFIG_VARIABLES, openRuntime, rotateMasterKey, startServer } from '@berth/server';

const ENVIRONMENT_HELP = `\nConfiguration (environment):\n${CONFIG_VARIABLES.map((v) => `  ${v.name.padEnd(26)} ${v.meaning} [${v.default}]`).join('\n')}`;

/** Builds the `berth` command tree. */
export function createProgram(): Command {
  const program = new Command('berth')
    .description('Connect your container registries; browse, search, profile and diff your images.')
    .version('0.1.0');

  program
    .command('serve')
    .description('Run the Berth server (API and portal).')
    .addHelpText(
      'after',
      `\nExample:\n  BERTH_PORT=9090 BERTH_DATA_DIR=/var/lib/berth berth serve\n${ENVIRONMENT_HELP}`,
    )
    .action(async () => {
      const server = await startServer();
      process.stderr.write(`berth listening on ${server.url}\n`);
      const stop = (): void => {
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  program
    .command('migrate')
    .description('Create or upgrade the database schema, then exit (serve does this too).')
    .addHelpText('after', '\nExample:\n  BERTH_DATA_DIR=/var/lib/berth berth migrate')
    .action(async () => {
      const runtime = await openRuntime();
      await runtime.close();
      process.stdout.write(`database is up to date (${runtime.config.dataDir})\n`);
    });

  program
    .command('keys')
    .description('Manage the master key that encrypts stored registry credentials.')
    .command('rotate')
    .description('Re-wrap every stored secret under a new master key; servers keep running.')
    .addHelpText(
      'after',
      '\nWith the key file in BERTH_DATA_DIR, a new key is generated and the old one dropped afterwards.\n' +
        'With BERTH_MASTER_KEY, put the new key there and the old one in BERTH_MASTER_KEY_PREVIOUS first.\n\nExample:\n  berth keys rotate',
    )
    .action(async () => {
      const result = await rotateMasterKey();
      process.stdout.write(
        `re-wrapped ${result.rewrapped} secret(s); active master key ${result.activeKeyId} (${result.source})\n`,
      );
    });
  return program;
}
