import { useEffect, useState } from 'react';
import { api, errorSentence } from '../api/client';
import type { DiffState, ImageDiff, ImageSpec } from '../api/types';

export type DiffView =
  | { readonly kind: 'requesting' }
  | { readonly kind: 'computing'; readonly state: DiffState }
  | { readonly kind: 'done'; readonly id: string; readonly diff: ImageDiff }
  | { readonly kind: 'failed'; readonly detail: string };

const FIRST_POLL_MS = 300;
const MAX_POLL_MS = 1500;

/**
 * Asks for the diff of two images and follows the job: 200 with the diff when the pair was
 * compared before, else 202 and `GET /diffs/:id` is polled while both images are analysed
 * (progress counts the sides done). `attempt` re-runs the request (Try again).
 */
export function useDiff(
  left: ImageSpec | undefined,
  right: ImageSpec | undefined,
  attempt: number,
): DiffView {
  const [view, setView] = useState<DiffView>({ kind: 'requesting' });
  const key = left && right ? JSON.stringify([left, right]) : '';
  useEffect(() => {
    if (!key) return;
    const [l, r] = JSON.parse(key) as [ImageSpec, ImageSpec];
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = FIRST_POLL_MS;
    const settle = (state: DiffState) => {
      if (abort.signal.aborted) return;
      if (state.status === 'done' && state.diff) setView({ kind: 'done', id: state.id, diff: state.diff });
      else if (state.status === 'failed')
        setView({ kind: 'failed', detail: state.error ?? 'The comparison failed.' });
      else {
        setView({ kind: 'computing', state });
        timer = setTimeout(() => {
          void api.diff(state.id, abort.signal).then(settle, fail);
        }, delay);
        delay = Math.min(MAX_POLL_MS, Math.round(delay * 1.5));
      }
    };
    const fail = (error: unknown) => {
      if (!abort.signal.aborted) setView({ kind: 'failed', detail: errorSentence(error) });
    };
    setView({ kind: 'requesting' });
    void api.requestDiff(l, r).then(settle, fail);
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [key, attempt]);
  return view;
}
