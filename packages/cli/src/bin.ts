#!/usr/bin/env node
import type { Command } from 'commander';
import { tuneV8 } from './v8-tuning.js';

tuneV8(process.argv);

// `berth profile` is often run on its own, timed as a whole process: it loads its own command
// only (profile-program.ts); everything else builds the whole tree.
const createProgram: () => Command =
  process.argv[2] === 'profile'
    ? (await import('./profile-program.js')).createProfileProgram
    : (await import('./program.js')).createProgram;

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`berth: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
