import { Command, InvalidArgumentError } from 'commander';
import type * as ServerModule from '@berth/server';

/** Seconds a stopping process gives its running jobs before it aborts them and hands them back. */
export const DEFAULT_GRACE_SECONDS = 30;

export function parseGraceSeconds(value: string): number {
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || seconds > 3600)
    throw new InvalidArgumentError(
      `--grace must be a whole number of seconds from 0 to 3600, got "${value}"`,
    );
  return seconds;
}

export function parseLeaseSeconds(value: string): number {
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || seconds < 1 || seconds > 3600)
    throw new InvalidArgumentError(
      `--lease must be a whole number of seconds from 1 to 3600, got "${value}"`,
    );
  return seconds;
}

/**
 * Graceful shutdown on SIGTERM and SIGINT: stop taking jobs, let running ones finish within the
 * grace period, abort the rest (they go back to the queue for another worker), close the pool.
 * A second signal, or a shutdown that overruns the grace period by 10 s, exits at once (the
 * jobs' leases run out and another worker takes them over).
 */
export function onShutdown(graceSeconds: number, close: (deadlineMs: number) => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`berth: ${signal}: stopping (finishing running jobs for up to ${graceSeconds} s)\n`);
    setTimeout(() => process.exit(1), graceSeconds * 1000 + 10_000).unref();
    close(graceSeconds * 1000).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * `berth worker`: runs background jobs (catalog syncs, profiles, diffs) and no HTTP API, on the
 * shared PostgreSQL database. Run any number of them next to `berth serve --no-worker`.
 */
export function workerCommand(loadServer: () => Promise<typeof ServerModule>): Command {
  return new Command('worker')
    .description('Run background jobs only (syncs, profiles, diffs), on the shared PostgreSQL database.')
    .option(
      '--grace <seconds>',
      'on SIGTERM, how long running jobs may finish before they are handed back',
      parseGraceSeconds,
      DEFAULT_GRACE_SECONDS,
    )
    .option(
      '--lease <seconds>',
      "how long a job stays this worker's without a heartbeat; then another worker retries it",
      parseLeaseSeconds,
      60,
    )
    .addHelpText(
      'after',
      '\nNeeds BERTH_DATABASE_URL (with the embedded SQLite database, `berth serve` runs the jobs itself).\n\n' +
        'Example:\n  BERTH_DATABASE_URL=postgres://berth:secret@db:5432/berth BERTH_MASTER_KEY=… berth worker',
    )
    .action(async (options: { grace: number; lease: number }) => {
      const server = await loadServer();
      const config = server.loadConfig();
      if (!config.databaseUrl)
        throw new Error(
          'berth worker needs BERTH_DATABASE_URL (PostgreSQL); with the embedded SQLite database, `berth serve` runs the jobs itself',
        );
      const worker = await server.startWorker({ jobs: { leaseMs: options.lease * 1000 } });
      process.stderr.write(`berth worker running (jobs only, ${worker.runtime.engine})\n`);
      onShutdown(options.grace, (deadlineMs) => worker.close(deadlineMs));
    });
}
