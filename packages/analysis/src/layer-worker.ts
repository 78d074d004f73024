// Worker thread of layer-worker-pool.ts: runs analyzeTarStream on the compressed bytes the
// main thread writes into a shared ring, one layer at a time, and answers with the result or
// the error.
import { serialize } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { AnalysisError } from './analysis-error.js';
import { ByteRingReader } from './byte-ring.js';
import { DEFAULT_DETECTORS, type Detector } from './detectors.js';
import { analyzeTarStream } from './layer-stream.js';
import type { FromLayerWorker, SerializedError, StartLayerJob } from './layer-worker-protocol.js';

/** Largest piece handed to the decompressor at once. */
const READ_CHUNK_BYTES = 256 * 1024;

const port = parentPort;
if (!port) throw new Error('layer-worker.ts runs as a worker thread');
const detectorsById = new Map<string, Detector>(DEFAULT_DETECTORS.map((d) => [d.id, d]));

port.on('message', (start: StartLayerJob) => void run(start));

async function run(start: StartLayerJob): Promise<void> {
  const { id } = start;
  let message: FromLayerWorker;
  try {
    const detectors = start.detectorIds.map((detectorId) => {
      const detector = detectorsById.get(detectorId);
      if (!detector) throw new Error(`the layer worker has no detector ${JSON.stringify(detectorId)}`);
      return detector;
    });
    const reader = new ByteRingReader(start.ring);
    const result = await analyzeTarStream(reader.chunks(READ_CHUNK_BYTES), {
      limits: start.limits,
      detectors,
      release: (bytes) => reader.release(bytes),
      ...(start.verifiedDigest === undefined ? {} : { verifiedDigest: start.verifiedDigest }),
    });
    message = { type: 'done', id, result: serialize(result) };
  } catch (error) {
    message = { type: 'error', id, error: serializeError(error) };
  }
  // Transfer the serialized result when it owns its memory (it is never a pooled slice then).
  const own =
    message.type === 'done' && message.result.byteLength === message.result.buffer.byteLength
      ? [message.result.buffer as ArrayBuffer]
      : [];
  port?.postMessage(message, own);
}

function serializeError(error: unknown): SerializedError {
  if (error instanceof AnalysisError) {
    return { kind: 'analysis', code: error.code, message: error.message, retryable: error.retryable };
  }
  return error instanceof Error
    ? { kind: 'other', name: error.name, message: error.message }
    : { kind: 'other', name: 'Error', message: String(error) };
}
