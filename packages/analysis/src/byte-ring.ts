import { AnalysisError } from './analysis-error.js';

/**
 * A single-producer, single-consumer byte pipe between two threads over shared memory: the
 * producer copies bytes in, the consumer reads them in place, each waits on the other with
 * `Atomics.waitAsync` (never blocking its event loop). Unlike a `postMessage` per chunk it costs
 * no message passing, which on a loaded machine was slow enough to starve the consumer.
 * Memory stays bounded by the ring's size.
 */

/** Indexes into the control array. Counters are byte totals modulo 2^32 (differences stay exact). */
const WRITTEN = 0;
const READ = 1;
const STATE = 2;
/** Bumped on every write, end and abort: what the consumer waits on. */
const WRITE_SEQ = 3;
/** Bumped on every read and by {@link ByteRingWriter.wake}: what the producer waits on. */
const READ_SEQ = 4;
const CONTROL_SLOTS = 5;

const ENDED = 1;
const ABORTED = 2;

/** What both threads share; plain data, so it can be posted to a worker. */
export interface ByteRing {
  readonly control: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
}

/** `bytes` must be a power of two (the counters wrap at 2^32). */
export function createByteRing(bytes: number): ByteRing {
  if (!Number.isInteger(Math.log2(bytes))) throw new RangeError('a byte ring size is a power of two');
  return {
    control: new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT),
    data: new SharedArrayBuffer(bytes),
  };
}

/** ES2024 `Atomics.waitAsync` (V8 has it since Node 16; the project's lib target predates it). */
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

async function waitChange(control: Int32Array, index: number, seen: number): Promise<void> {
  const waited = waitAsync(control, index, seen);
  if (waited.async) await waited.value;
}

export class ByteRingWriter {
  readonly #control: Int32Array;
  readonly #data: Uint8Array;
  #written = 0;
  #stopped = false;

  constructor(ring: ByteRing) {
    this.#control = new Int32Array(ring.control);
    this.#data = new Uint8Array(ring.data);
  }

  /** Copies `chunk` into the ring, waiting for room; returns early once {@link stop} was called. */
  async write(chunk: Uint8Array): Promise<void> {
    const control = this.#control;
    const size = this.#data.length;
    let pos = 0;
    while (pos < chunk.length && !this.#stopped) {
      const seq = Atomics.load(control, READ_SEQ);
      const free = size - ((this.#written - Atomics.load(control, READ)) | 0);
      if (free === 0) {
        await waitChange(control, READ_SEQ, seq);
        continue;
      }
      const n = Math.min(free, chunk.length - pos);
      const at = this.#written % size;
      const first = Math.min(n, size - at);
      this.#data.set(chunk.subarray(pos, pos + first), at);
      if (first < n) this.#data.set(chunk.subarray(pos + first, pos + n), 0);
      pos += n;
      this.#written = (this.#written + n) >>> 0;
      Atomics.store(control, WRITTEN, this.#written | 0);
      this.#signal();
    }
  }

  /** No more bytes follow. */
  end(): void {
    Atomics.or(this.#control, STATE, ENDED);
    this.#signal();
  }

  /** The consumer's reads fail with `aborted`. */
  abort(): void {
    Atomics.or(this.#control, STATE, ABORTED);
    this.#signal();
  }

  /** Wakes a waiting {@link write} and makes it return (the consumer is gone). */
  stop(): void {
    this.#stopped = true;
    Atomics.add(this.#control, READ_SEQ, 1);
    Atomics.notify(this.#control, READ_SEQ);
  }

  #signal(): void {
    Atomics.add(this.#control, WRITE_SEQ, 1);
    Atomics.notify(this.#control, WRITE_SEQ);
  }
}

/**
 * The consumer side. {@link chunks} yields views of the ring's memory (no copy); their bytes
 * stay valid until handed back, in order, with {@link release}.
 */
export class ByteRingReader {
  readonly #control: Int32Array;
  readonly #ring: ByteRing;
  readonly #size: number;
  #read = 0;
  #released = 0;

  constructor(ring: ByteRing) {
    this.#ring = ring;
    this.#control = new Int32Array(ring.control);
    this.#size = ring.data.byteLength;
  }

  /** The bytes written, in pieces of at most `maxChunk` (and never across the ring's end). */
  async *chunks(maxChunk: number): AsyncGenerator<Buffer> {
    const control = this.#control;
    for (;;) {
      const seq = Atomics.load(control, WRITE_SEQ);
      const state = Atomics.load(control, STATE);
      if (state & ABORTED) throw new AnalysisError('aborted', 'the analysis was aborted');
      const available = (Atomics.load(control, WRITTEN) - this.#read) | 0;
      if (available > 0) {
        const at = this.#read % this.#size;
        const n = Math.min(available, maxChunk, this.#size - at);
        this.#read = (this.#read + n) >>> 0;
        yield Buffer.from(this.#ring.data, at, n);
      } else if (state & ENDED) {
        return;
      } else {
        await waitChange(control, WRITE_SEQ, seq);
      }
    }
  }

  /** The consumer is done with the next `bytes` bytes yielded: the producer may overwrite them. */
  release(bytes: number): void {
    if (bytes === 0) return;
    this.#released = (this.#released + bytes) >>> 0;
    Atomics.store(this.#control, READ, this.#released | 0);
    Atomics.add(this.#control, READ_SEQ, 1);
    Atomics.notify(this.#control, READ_SEQ);
  }
}
