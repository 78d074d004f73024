#!/usr/bin/env node
import type { Command } from 'commander';
import { loadProfileProgram } from './profile-program-loader.js';
import { tuneV8 } from './v8-tuning.js';

tuneV8(process.argv);

// `berth profile` is often run on its own, timed as a whole process: it loads its own command
// only (profile-program.ts, bundled by the build); everything else builds the whole tree.
const createProgram: () => Command =
  process.argv[2] === 'profile'
    ? (await loadProfileProgram(!import.meta.url.endsWith('.ts'))).createProfileProgram
    : (await import('./program.js')).createProgram;

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`berth: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
