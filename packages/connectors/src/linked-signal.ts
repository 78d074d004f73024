import { setMaxListeners } from 'node:events';

export interface LinkedSignal {
  /** Aborts when the parent does (with its reason); undefined when there is no parent. */
  readonly signal: AbortSignal | undefined;
  /** Detaches from the parent: call when the work using {@link signal} is over. */
  release(): void;
}

/**
 * A signal of its own for a piece of work that runs `maxListeners` requests at once, tied to
 * the caller's signal by a single listener. Every request adds an abort listener to the signal
 * it is given; handing one caller's signal to many concurrent requests piles them up on it
 * (Node warns past 10: `MaxListenersExceededWarning`). The bound here is known, so the limit
 * is raised on this signal only, and the caller's signal carries one listener per piece of work.
 */
export function linkedSignal(parent: AbortSignal | undefined, maxListeners: number): LinkedSignal {
  if (!parent) return { signal: undefined, release: () => undefined };
  const controller = new AbortController();
  setMaxListeners(maxListeners, controller.signal);
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, release: () => undefined };
  }
  const onAbort = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, release: () => parent.removeEventListener('abort', onAbort) };
}
