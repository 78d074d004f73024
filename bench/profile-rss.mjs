// Child process of bench/run.ts: runs `berth profile REF` through the compiled CLI program in
// this process (its summary goes to stdout, which the parent discards) and reports the peak
// RSS of the whole process — what a user's `berth profile` of that image costs in memory.
// Prints {ms, maxRssKiB} as JSON on the last line of stderr.
import { createProgram } from '@berth/cli';

const [reference] = process.argv.slice(2);
const started = performance.now();
await createProgram().parseAsync(['node', 'berth', 'profile', reference]);
process.stderr.write(
  `${JSON.stringify({ ms: performance.now() - started, maxRssKiB: process.resourceUsage().maxRSS })}\n`,
);
