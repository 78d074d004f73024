import { describe, expect, it } from 'vitest';
import { loadProfileProgram } from './profile-program-loader.js';

describe('loadProfileProgram', () => {
  it('falls back to the modules when there is no bundle beside it', async () => {
    // From the sources there is never a bundle (src/bundle/ does not exist).
    const program = (await loadProfileProgram(true)).createProfileProgram();
    expect(program.commands.map((c) => c.name())).toEqual(['profile']);
  });
});
