import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight.js';

describe('SingleFlight', () => {
  it('shares one run between concurrent callers of a key, and runs again afterwards', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    const work = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 10));
      return runs;
    };
    const [a, b] = await Promise.all([flights.run('k', work), flights.run('k', work)]);
    expect([a, b, runs]).toEqual([1, 1, 1]);
    expect(flights.size).toBe(0);
    expect(await flights.run('k', work)).toBe(2);
  });

  it('aborts the shared work only when every waiting caller has aborted', async () => {
    const flights = new SingleFlight<string>();
    let sharedSignal: AbortSignal | undefined;
    const work = (signal: AbortSignal) => {
      sharedSignal = signal;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => resolve('done'), 30);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('work aborted'));
        });
      });
    };
    const one = new AbortController();
    const two = new AbortController();
    const first = flights.run('k', work, one.signal);
    const second = flights.run('k', work, two.signal);
    one.abort();
    await expect(first).rejects.toMatchObject({ code: 'aborted' });
    expect(sharedSignal?.aborted).toBe(false);
    expect(await second).toBe('done');

    const three = new AbortController();
    const third = flights.run('j', work, three.signal);
    three.abort();
    await expect(third).rejects.toMatchObject({ code: 'aborted' });
    expect(sharedSignal?.aborted).toBe(true);
  });

  it('passes failures to every caller', async () => {
    const flights = new SingleFlight<void>();
    const failing = () => Promise.reject(new Error('boom'));
    await expect(Promise.all([flights.run('k', failing), flights.run('k', failing)])).rejects.toThrow('boom');
  });
});
