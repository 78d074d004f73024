import { Command } from 'commander';
import { openApiSession } from '../api/api-session.js';
import { NoAnswerError, createPrompter } from '../terminal/prompt.js';
import { printJson } from '../terminal/output.js';
import { API_EXIT_CODES, findConnector, helpText } from './command-kit.js';

interface RmOptions {
  readonly yes?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** `berth connectors rm CONNECTOR`: permanent, so the name must be typed unless `--yes`. */
export function connectorsRmCommand(): Command {
  return new Command('rm')
    .alias('delete')
    .description('Delete a connector, its credentials and everything derived through it, permanently.')
    .argument('<connector>', 'connector name or id')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print {id, name, deleted} as JSON')
    .option('-q, --quiet', 'print only the deleted connector’s id')
    .addHelpText(
      'after',
      helpText(
        ['berth connectors rm "Old registry"', 'berth connectors rm 01J9Z… --yes'],
        `Without --yes you are asked to type the connector's name; anything else deletes nothing (exit 1).\n${API_EXIT_CODES}`,
      ),
    )
    .action(async (nameOrId: string, options: RmOptions) => {
      const api = openApiSession();
      const connector = await findConnector(api, nameOrId);
      if (!options.yes) {
        process.stderr.write(
          `This deletes the connector "${connector.name}" (${connector.platform}, ${connector.repositoryCount} repositories),\n` +
            'its credentials and all metadata derived through it, permanently.\n',
        );
        const prompter = createPrompter();
        let answer: string;
        try {
          answer = await prompter.ask('Type the connector’s name to confirm: ');
        } catch (error) {
          if (error instanceof NoAnswerError)
            throw new Error('not deleted: confirm by typing the name, or pass --yes', { cause: error });
          throw error;
        } finally {
          prompter.close();
        }
        if (answer.trim() !== connector.name) throw new Error('not deleted: the name typed does not match');
      }
      await api.delete(`/connectors/${encodeURIComponent(connector.id)}`);
      if (options.json) printJson({ id: connector.id, name: connector.name, deleted: true });
      else if (options.quiet) process.stdout.write(`${connector.id}\n`);
      else process.stdout.write(`Deleted connector ${connector.name} (${connector.id})\n`);
    });
}
