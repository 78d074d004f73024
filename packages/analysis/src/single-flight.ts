import { AnalysisError } from './analysis-error.js';

interface Flight<T> {
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  waiters: number;
}

/**
 * Runs identical work once while it is in flight: callers asking for the same key share one
 * promise. The shared work gets its own AbortSignal, aborted only when every caller that is
 * still waiting has aborted, so one impatient caller cannot fail the others.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Flight<T>>();

  /** Number of keys in flight (for tests and metrics). */
  get size(): number {
    return this.#flights.size;
  }

  run(key: string, work: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    let flight = this.#flights.get(key);
    if (!flight) {
      const controller = new AbortController();
      const promise = work(controller.signal).finally(() => this.#flights.delete(key));
      flight = { promise, controller, waiters: 0 };
      this.#flights.set(key, flight);
    }
    const current = flight;
    current.waiters++;
    if (!signal) return current.promise.finally(() => current.waiters--);
    signal.throwIfAborted();
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        settle();
        reject(new AnalysisError('aborted', 'the analysis was aborted', { cause: signal.reason }));
      };
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (--current.waiters === 0 && signal.aborted) current.controller.abort(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      current.promise.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}
