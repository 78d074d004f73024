import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorSentence } from './api/client';
import type { Job } from './api/types';

export type SyncState =
  | { kind: 'idle' }
  | { kind: 'running'; job?: Job }
  | { kind: 'done'; job: Job }
  | { kind: 'failed'; detail: string };

const POLL_MS = 400;

/** "Sync now": POST /sync, then follow the job's progress until it ends. */
export function useSync(connectorId: string, onFinished?: () => void): [SyncState, () => void] {
  const [state, setState] = useState<SyncState>({ kind: 'idle' });
  const alive = useRef(true);
  const finished = useRef(onFinished);
  finished.current = onFinished;
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const start = useCallback(() => {
    setState({ kind: 'running' });
    const poll = async (jobId: string): Promise<void> => {
      for (;;) {
        if (!alive.current) return;
        const job = await api.job(jobId);
        if (!alive.current) return;
        if (job.status === 'done') {
          setState({ kind: 'done', job });
          finished.current?.();
          return;
        }
        if (job.status === 'failed') {
          setState({ kind: 'failed', detail: job.error ?? 'The sync failed.' });
          finished.current?.();
          return;
        }
        setState({ kind: 'running', job });
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    };
    api
      .syncConnector(connectorId)
      .then((res) => poll(res.jobId))
      .catch((e: unknown) => {
        if (alive.current) setState({ kind: 'failed', detail: errorSentence(e) });
      });
  }, [connectorId]);

  return [state, start];
}

/** "Syncing… 3 of 6 repositories" from a sync job's progress. */
export function syncProgressText(job: Job | undefined): string {
  const p = job?.progress;
  if (!p || !p.repositoriesTotal) return job?.status === 'queued' ? 'Waiting to sync…' : 'Syncing…';
  return `Syncing… ${p.repositoriesDone ?? 0} of ${p.repositoriesTotal} repositories`;
}
