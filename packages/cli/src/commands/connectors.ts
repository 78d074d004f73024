import { Command } from 'commander';
import { helpText } from './command-kit.js';
import { connectorsAddCommand } from './connectors-add.js';
import { connectorsImportDockerConfigCommand } from './connectors-import-docker-config.js';
import { connectorsListCommand } from './connectors-list.js';
import { connectorsRmCommand } from './connectors-rm.js';
import { connectorsSyncCommand } from './connectors-sync.js';
import { connectorsTestCommand } from './connectors-test.js';

/** `berth connectors …`: the registries connected to your Berth account. */
export function connectorsCommand(): Command {
  return new Command('connectors')
    .description('Manage the registries connected to your account (list, add, test, sync, rm, import).')
    .addHelpText(
      'after',
      helpText([
        'berth connectors list',
        'berth connectors add',
        'berth connectors sync local --wait',
        'berth connectors import-docker-config',
      ]),
    )
    .addCommand(connectorsListCommand())
    .addCommand(connectorsAddCommand())
    .addCommand(connectorsTestCommand())
    .addCommand(connectorsSyncCommand())
    .addCommand(connectorsRmCommand())
    .addCommand(connectorsImportDockerConfigCommand());
}
