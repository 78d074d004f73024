import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { deserialize } from 'node:v8';
import type * as WorkerThreads from 'node:worker_threads';
import type { Worker } from 'node:worker_threads';
import { AnalysisError } from './analysis-error.js';
import { resolveLimits } from './analysis-limits.js';
import { ByteRingWriter, createByteRing } from './byte-ring.js';
import { DEFAULT_DETECTORS, type Detector } from './detectors.js';
import { analyzeTarStream, type TarStreamOptions, type TarStreamResult } from './layer-stream.js';
import type { FromLayerWorker, SerializedError, StartLayerJob } from './layer-worker-protocol.js';

/**
 * Layer analysis on worker threads. Inflating, hashing (the diff ID and every file) and tar
 * parsing of a layer take most of a profile's CPU time; on a worker they run beside the main
 * thread, which meanwhile reads the blob from the network and verifies its digest, and beside
 * zlib, which inflates on the libuv thread pool. The worker gets the compressed bytes through
 * a shared ring ({@link ByteRingWriter}, at most {@link RING_BYTES} ahead of what it has taken)
 * and answers with the same {@link TarStreamResult} or error as {@link analyzeTarStream}.
 *
 * Opt-in (`worker: true` of analyzeLayer/profileImage): on the 2-core bench VM, `berth profile`
 * of the Debian image was 0.5–1 s slower with the worker than without, even with the cores
 * free. There the inflater on the thread pool, not the calling thread, is the bottleneck, and
 * the worker's heap and buffers add ~60 MB of first-touched pages, which are costly on that VM.
 */

/** Compressed bytes written but not yet taken by the worker: the sender waits beyond that. */
const RING_BYTES = 4 * 1024 * 1024;
/** An idle worker ends after this long (the next layer starts a new one). */
const IDLE_MS = 15_000;
const MAX_WORKERS = Math.max(1, Math.min(availableParallelism(), 8));
const FROM_SOURCES = import.meta.url.endsWith('.ts');
/**
 * A small young generation: the worker's garbage is mostly the inflater's output buffers, and
 * collecting them often lets their memory be reused instead of fresh pages being touched.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 2 };

interface Job {
  onMessage(message: FromLayerWorker): void;
  onCrash(error: Error): void;
}

interface Slot {
  readonly worker: Worker;
  busy: boolean;
  job: Job | undefined;
  idleTimer: NodeJS.Timeout | undefined;
}

const slots: Slot[] = [];
let nextJobId = 1;

function createWorker(): Worker {
  // Loaded with the first worker: the worker is opt-in, and most processes never start one.
  const { Worker } = createRequire(import.meta.url)('node:worker_threads') as typeof WorkerThreads;
  const name = 'berth-layer-worker';
  if (!FROM_SOURCES) {
    return new Worker(new URL('./layer-worker.js', import.meta.url), { name, resourceLimits: WORKER_LIMITS });
  }
  // From sources: register tsx's loader in the worker first (it is a dev dependency).
  const api = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const entry = new URL('./layer-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(pathToFileURL(api).href)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, name, resourceLimits: WORKER_LIMITS });
}

function spawn(): Slot {
  const slot: Slot = { worker: createWorker(), busy: false, job: undefined, idleTimer: undefined };
  const drop = (error: Error): void => {
    const index = slots.indexOf(slot);
    if (index >= 0) slots.splice(index, 1);
    clearTimeout(slot.idleTimer);
    const { job } = slot;
    slot.job = undefined;
    job?.onCrash(error);
  };
  slot.worker.on('message', (message: FromLayerWorker) => slot.job?.onMessage(message));
  slot.worker.on('error', drop);
  slot.worker.on('exit', (code) => drop(new Error(`the layer worker exited with code ${code}`)));
  slots.push(slot);
  return slot;
}

function idle(slot: Slot): void {
  slot.busy = false;
  slot.job = undefined;
  slot.worker.unref();
  clearTimeout(slot.idleTimer);
  slot.idleTimer = setTimeout(() => void slot.worker.terminate(), IDLE_MS).unref();
}

function acquire(): Slot | undefined {
  let slot = slots.find((s) => !s.busy);
  if (!slot) {
    if (slots.length >= MAX_WORKERS) return undefined;
    slot = spawn();
  }
  clearTimeout(slot.idleTimer);
  slot.busy = true;
  slot.worker.ref();
  return slot;
}

/**
 * Starts up to `count` idle workers ahead of time (they load their modules while the caller
 * fetches the manifest and config), so that the first layer does not wait for one.
 */
export function prewarmLayerWorkers(count: number): void {
  const idleCount = slots.filter((s) => !s.busy).length;
  for (let i = idleCount; i < count && slots.length < MAX_WORKERS; i++) idle(spawn());
}

/** The detectors' ids when the worker has them all (it knows {@link DEFAULT_DETECTORS}). */
function workerDetectorIds(detectors: readonly Detector[]): string[] | undefined {
  return detectors.every((d) => DEFAULT_DETECTORS.includes(d)) ? detectors.map((d) => d.id) : undefined;
}

/**
 * {@link analyzeTarStream} on a worker thread: same result, same errors. It runs on this thread
 * instead when the detectors are not all default ones (a worker cannot receive functions) or
 * every worker is busy with another layer.
 */
export async function analyzeTarStreamInWorker(
  source: AsyncIterable<Buffer>,
  options: TarStreamOptions = {},
): Promise<TarStreamResult> {
  const limits = resolveLimits(options.limits);
  const detectorIds = workerDetectorIds(options.detectors ?? DEFAULT_DETECTORS);
  const slot = detectorIds && acquire();
  if (!detectorIds || !slot) return analyzeTarStream(source, options);
  const { signal } = options;

  const id = nextJobId++;
  const ring = createByteRing(RING_BYTES);
  const writer = new ByteRingWriter(ring);
  let ended = false;
  let finished = false;
  let settle!: { resolve: (r: TarStreamResult) => void; reject: (e: unknown) => void };
  const result = new Promise<TarStreamResult>((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => undefined);
  const finish = (): void => {
    finished = true;
    writer.stop();
  };
  slot.job = {
    onMessage(message) {
      if (message.id !== id) return;
      idle(slot);
      if (message.type === 'error') settle.reject(deserializeError(message.error));
      // Only a result of the whole blob counts: its digest is checked as its end is read here.
      else if (!ended) settle.reject(new Error('the layer worker answered before the end of the layer'));
      else settle.resolve(deserialize(message.result) as TarStreamResult);
      finish();
    },
    onCrash(error) {
      settle.reject(new Error(`the layer worker failed: ${error.message}`, { cause: error }));
      finish();
    },
  };
  const onAbort = (): void => writer.abort();
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const start: StartLayerJob = {
      type: 'start',
      id,
      ring,
      limits,
      detectorIds,
      ...(options.verifiedDigest === undefined ? {} : { verifiedDigest: options.verifiedDigest }),
    };
    slot.worker.postMessage(start);
    if (signal?.aborted) writer.abort();
    try {
      for await (const chunk of source) {
        if (finished) break;
        await writer.write(chunk);
      }
    } catch (error) {
      // The source failed (a digest or size mismatch, the network, an abort): that is the error.
      writer.abort();
      throw error;
    }
    ended = true;
    writer.end();
    return await result;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function deserializeError(error: SerializedError): Error {
  if (error.kind === 'analysis') {
    return new AnalysisError(error.code, error.message, { retryable: error.retryable });
  }
  const copy = new Error(error.message);
  copy.name = error.name;
  return copy;
}
