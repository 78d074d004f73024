// Child process of bench/run.ts (bench/diff-memory.ts): runs `berth diff LEFT RIGHT` through the
// compiled CLI program in this process (its report goes to stdout, which the parent discards)
// and reports the peak RSS of the whole process — what a user's `berth diff` of two ~1 GB
// images costs in memory, to hold against the peak RSS of `berth profile` of one.
// Prints {ms, maxRssKiB} as JSON on the last line of stderr.
import { createProgram } from '@berth/cli';

const [left, right] = process.argv.slice(2);
const started = performance.now();
await createProgram().parseAsync(['node', 'berth', 'diff', left, right]);
process.stderr.write(
  `${JSON.stringify({ ms: performance.now() - started, maxRssKiB: process.resourceUsage().maxRSS })}\n`,
);
