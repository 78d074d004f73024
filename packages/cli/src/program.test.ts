import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { bashCompletion, zshCompletion } from './commands/completion.js';
import { createProgram } from './program.js';

/** Every command of the tree, groups included, with its path. */
function commands(command: Command, path = 'berth'): [string, Command][] {
  return command.commands.flatMap((c) => [
    [`${path} ${c.name()}`, c] as [string, Command],
    ...commands(c, `${path} ${c.name()}`),
  ]);
}

/** What `--help` prints, the text added after it included. */
function help(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (s) => void (text += s), writeErr: (s) => void (text += s) });
  command.outputHelp();
  return text;
}

describe('berth --help', () => {
  it.each(commands(createProgram()))('%s has examples in its help', (_path, command) => {
    expect(help(command)).toMatch(/\nExamples?:\n {2}\S/);
  });

  it('says the exit codes of every command that talks to a server or reads images', () => {
    const documented = commands(createProgram()).filter(
      ([, c]) => c.commands.length === 0 && /Exit codes/.test(help(c)),
    );
    expect(documented.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        'berth login',
        'berth connectors add',
        'berth connectors rm',
        'berth ls',
        'berth search',
        'berth profile',
        'berth diff',
        'berth ci',
        'berth sbom',
      ]),
    );
  });
});

describe('completion scripts', () => {
  it('name every command path and the choices of --format', () => {
    const program = createProgram();
    const bash = bashCompletion(program);
    expect(bash).toContain('" connectors import-docker-config"');
    expect(bash).toContain('--format) COMPREPLY=($(compgen -W \'cyclonedx spdx\' -- "$cur")); return ;;');
    expect(bash).toContain('complete -o default -F _berth berth');
    const zsh = zshCompletion(program);
    expect(zsh).toContain("'connectors:Manage the registries connected to your account");
    expect(zsh).toContain('compdef _berth berth');
  });
});
