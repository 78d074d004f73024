// The README stays true: its configuration, CLI and API sections name what the code has.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '@berth/server';
import { createProgram } from '@berth/cli';

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  it('shows exactly the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });

  it('documents every configuration variable with its default', () => {
    for (const variable of CONFIG_VARIABLES) {
      const row = readme.split('\n').find((line) => new RegExp(`^\\|\\s*\`${variable.name}\`\\s*\\|`).test(line));
      expect(row, variable.name).toBeDefined();
      const documentedDefault = variable.default.startsWith('(')
        ? variable.default.slice(1, variable.default.indexOf(':'))
        : `\`${variable.default}\``;
      expect(row, variable.name).toContain(documentedDefault);
    }
  });

  it('lists every CLI command', () => {
    const walk = (command: ReturnType<typeof createProgram>, prefix: string): string[] =>
      command.commands.flatMap((c) =>
        c.commands.length > 0 ? walk(c, `${prefix}${c.name()} `) : [`${prefix}${c.name()}`],
      );
    for (const name of walk(createProgram(), 'berth ')) expect(readme, name).toContain(name);
  });
});
