import { Command } from 'commander';

/** The root `berth` command, without subcommands (program.ts adds them all). */
export function rootCommand(): Command {
  return new Command('berth')
    .description('Connect your container registries; browse, search, profile and diff your images.')
    .version('0.1.0');
}

/**
 * Exit codes (issue 10): 0 ok, 1 failure, 2 usage. Commander exits with 1 on a usage error
 * (unknown option, missing argument, bad choice); help and version stay 0. Its messages
 * start with "berth: " like every other error line.
 */
export function exitTwoOnUsageErrors(command: Command): void {
  command.configureOutput({
    outputError: (text, write) => write(text.replace(/^error: /, 'berth: ')),
  });
  command.exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : 2);
  });
  for (const sub of command.commands) exitTwoOnUsageErrors(sub);
}
