import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type * as WorkerThreads from 'node:worker_threads';
import type { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/** The WAL size at which checkpoints move to their own thread (a write-heavy process). */
const START_BYTES = 1024 * 1024;
/** How often the WAL's size is looked at until then. */
const WATCH_MS = 500;
/** How often the thread checkpoints (a no-op when nothing was committed since). */
const CHECKPOINT_MS = 200;
/** SQLite's own default, restored when the thread is gone. */
const AUTOCHECKPOINT_PAGES = 1000;
/** How long {@link WalCheckpointer.stop} waits for the thread to close its connection. */
const STOP_DEADLINE_MS = 2000;

// The thread's code: plain CommonJS, so it runs the same from sources and from the build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
const checkpoint = db.prepare('pragma wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try { checkpoint.get(); } catch { /* busy or closing: the next round tries again */ }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage('ready');
`;

export interface WalCheckpointer {
  /** Stops watching and ends the thread (its connection closed); idempotent. */
  stop(): Promise<void>;
}

/**
 * Moves a busy database's WAL checkpoints off the event loop. SQLite checkpoints inside the
 * commit that takes the WAL past 1,000 pages: the committing call copies those pages into the
 * database file and waits for `fsync`, ~100 ms per 100,000 catalog tags written, with every
 * request in the process waiting behind it. Once the WAL first grows past 1 MiB (a process that
 * writes in bulk: a catalog sync, profiles), a worker thread with its own connection runs a
 * passive checkpoint every 200 ms and the main connection's automatic checkpoints are turned
 * off, as SQLite's WAL documentation suggests. A passive checkpoint never blocks the writer.
 * If the thread fails, automatic checkpoints come back. Read-only processes never start it.
 */
export function startWalCheckpointer(sqlite: SQLite.Database, path: string): WalCheckpointer {
  let worker: Worker | undefined;
  let stopped = false;
  const restoreAutomatic = () => {
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  };

  const start = () => {
    const require = createRequire(import.meta.url);
    const { Worker } = require('node:worker_threads') as typeof WorkerThreads;
    const started = new Worker(WORKER_SOURCE, {
      eval: true,
      name: 'berth-sqlite-checkpointer',
      workerData: { module: require.resolve('better-sqlite3'), path, intervalMs: CHECKPOINT_MS },
    });
    started.unref();
    started.on('message', (message) => {
      if (message === 'ready' && !stopped && sqlite.open) sqlite.pragma('wal_autocheckpoint = 0');
    });
    started.on('error', () => undefined);
    started.on('exit', () => {
      if (worker === started) worker = undefined;
      restoreAutomatic();
    });
    worker = started;
  };

  const watch = setInterval(() => {
    stat(`${path}-wal`).then(
      (wal) => {
        if (wal.size < START_BYTES || worker || stopped) return;
        clearInterval(watch);
        start();
      },
      () => undefined,
    );
  }, WATCH_MS);
  watch.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(watch);
      const running = worker;
      if (!running) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.postMessage('stop');
      const deadline = setTimeout(() => void running.terminate(), STOP_DEADLINE_MS);
      await exited;
      clearTimeout(deadline);
    },
  };
}
