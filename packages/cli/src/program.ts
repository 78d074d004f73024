import { Command } from 'commander';
import { loadConfig, startHttpServer } from '@berth/server';

/** Builds the `berth` command tree. */
export function createProgram(): Command {
  const program = new Command('berth')
    .description('Connect your container registries; browse, search, profile and diff your images.')
    .version('0.1.0');

  program
    .command('serve')
    .description('Run the Berth server (API and portal).')
    .addHelpText('after', '\nExample:\n  BERTH_PORT=9090 berth serve')
    .action(async () => {
      const config = loadConfig();
      const server = await startHttpServer(config);
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
  return program;
}
