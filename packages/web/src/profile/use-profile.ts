import { useEffect, useState } from 'react';
import { api, errorSentence } from '../api/client';
import type { ContainerProfile, ImageSpec, ProfileState } from '../api/types';

export type ProfileView =
  | { readonly kind: 'requesting' }
  | { readonly kind: 'analysing'; readonly state: ProfileState }
  | { readonly kind: 'done'; readonly id: string; readonly profile: ContainerProfile }
  | { readonly kind: 'failed'; readonly detail: string };

const FIRST_POLL_MS = 300;
const MAX_POLL_MS = 1500;

/**
 * Asks for an image's profile and follows the analysis until it is done or failed: the API
 * answers 200 with the profile when the manifest was analysed before, else 202 and the page
 * polls `GET /profiles/:id`, showing its progress. `attempt` re-runs the request (Try again).
 */
export function useProfile(spec: ImageSpec | undefined, attempt: number): ProfileView {
  const [view, setView] = useState<ProfileView>({ kind: 'requesting' });
  const key = spec ? JSON.stringify(spec) : '';
  useEffect(() => {
    if (!key) return;
    const image = JSON.parse(key) as ImageSpec;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = FIRST_POLL_MS;
    const settle = (state: ProfileState) => {
      if (abort.signal.aborted) return;
      if (state.status === 'done' && state.profile) {
        setView({ kind: 'done', id: state.id, profile: state.profile });
      } else if (state.status === 'failed') {
        setView({ kind: 'failed', detail: state.error ?? 'The analysis failed.' });
      } else {
        setView({ kind: 'analysing', state });
        timer = setTimeout(() => {
          void api.profile(state.id, abort.signal).then(settle, fail);
        }, delay);
        delay = Math.min(MAX_POLL_MS, Math.round(delay * 1.5));
      }
    };
    const fail = (error: unknown) => {
      if (!abort.signal.aborted) setView({ kind: 'failed', detail: errorSentence(error) });
    };
    setView({ kind: 'requesting' });
    void api.requestProfile(image).then(settle, fail);
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [key, attempt]);
  return view;
}
