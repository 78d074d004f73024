import type { Command } from 'commander';
import { profileCommand } from './commands/profile.js';
import { exitTwoOnUsageErrors, rootCommand } from './program-root.js';

/**
 * `berth profile …` alone: the root command with only `profile` under it. A one-shot profile
 * is timed as a whole process (npm run bench), and the other commands' modules (server API
 * client, prompts, credential helpers, completion…) are not needed to run it. Help, errors and
 * exit codes of `berth profile` are the same as in the full tree.
 */
export function createProfileProgram(): Command {
  const program = rootCommand().addCommand(profileCommand());
  exitTwoOnUsageErrors(program);
  return program;
}
