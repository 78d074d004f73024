import { Command } from 'commander';
import { openApiSession } from '../api/api-session.js';
import { printJson, styleFor } from '../terminal/output.js';
import { helpText, findConnector } from './command-kit.js';

/** `berth connectors test CONNECTOR`: checks the stored credentials against the registry now. */
export function connectorsTestCommand(): Command {
  return new Command('test')
    .description('Check a connector’s stored credentials against its registry now.')
    .argument('<connector>', 'connector name or id')
    .option('--json', 'print the API’s {ok, detail} as JSON')
    .addHelpText(
      'after',
      helpText(
        ['berth connectors test "Production ECR"', 'berth connectors test 01J9Z… --json'],
        'Exit codes: 0 the credentials work, 1 they do not (or the test could not run), 2 usage.',
      ),
    )
    .action(async (nameOrId: string, options: { json?: boolean }) => {
      const api = openApiSession();
      const connector = await findConnector(api, nameOrId);
      const result = await api.post<{ ok: boolean; detail: string; code?: string }>(
        `/connectors/${encodeURIComponent(connector.id)}/test`,
      );
      if (options.json) printJson(result);
      else {
        const style = styleFor(process.stdout);
        process.stdout.write(
          `${result.ok ? style.green('ok') : style.red('failed')}: ${connector.name}: ${result.detail}\n`,
        );
      }
      if (!result.ok) process.exitCode = 1;
    });
}
