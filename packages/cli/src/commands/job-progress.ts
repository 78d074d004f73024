import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from '../api/api-client.js';
import type { Job } from '../api/api-types.js';
import type { ProgressStream } from './progress-bar.js';

const POLL_MS = 250;
const REDRAW_MS = 80;

/** `syncing [#####·····]  50%  5/10 repositories, 42 tags`, fitted to `columns`. */
export function renderSyncProgress(
  progress: Readonly<Record<string, number>> | null,
  columns: number,
): string {
  const done = progress?.repositoriesDone ?? 0;
  const total = progress?.repositoriesTotal ?? 0;
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const tail = ` ${String(Math.floor(fraction * 100)).padStart(3)}%  ${done}/${total} repositories, ${progress?.tagsDone ?? 0} tags`;
  const width = Math.max(10, Math.min(30, columns - 'syncing'.length - tail.length - 4));
  const filled = Math.floor(fraction * width);
  const line = `syncing [${'#'.repeat(filled)}${'·'.repeat(width - filled)}]${tail}`;
  return line.length > columns - 1 ? line.slice(0, Math.max(0, columns - 1)) : line;
}

/**
 * Follows a job (`GET /jobs/:id`) until it is done or failed, drawing its progress on
 * `stream` when that is a terminal. A job handed back for a retry (queued again with an
 * error) is waited for too; its error is said once.
 */
export async function waitForJob(api: ApiClient, jobId: string, stream: ProgressStream): Promise<Job> {
  let drawn = false;
  let last = 0;
  let retryNoted: string | null = null;
  const clear = (): void => {
    if (drawn) stream.write('\r\u001b[K');
    drawn = false;
  };
  try {
    for (;;) {
      const job = await api.get<Job>(`/jobs/${encodeURIComponent(jobId)}`);
      if (job.status === 'done' || job.status === 'failed') return job;
      if (job.status === 'queued' && job.error && job.error !== retryNoted) {
        clear();
        stream.write(`berth: the job will be retried: ${job.error}\n`);
        retryNoted = job.error;
      }
      if (stream.isTTY && Date.now() - last >= REDRAW_MS) {
        stream.write(`\r${renderSyncProgress(job.progress, stream.columns ?? 80)}\u001b[K`);
        drawn = true;
        last = Date.now();
      }
      await sleep(POLL_MS);
    }
  } finally {
    clear();
  }
}
