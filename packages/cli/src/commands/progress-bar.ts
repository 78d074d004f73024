import type { ProfileProgress } from '@berth/analysis';
import { formatBytes } from '../terminal/format-bytes.js';

/** Where the bar is drawn: a terminal stream (`process.stderr`). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

const REDRAW_MS = 80;

/**
 * A one-line progress bar for analyses (layers and bytes), redrawn in place on a terminal
 * and at most every 80 ms. On anything else (a pipe, a CI log) it draws nothing, so that
 * stderr stays free for the one-line error.
 */
export function progressBar(stream: ProgressStream, label: string) {
  let last = 0;
  let drawn = false;
  return {
    update(progress: ProfileProgress): void {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - last < REDRAW_MS && progress.layersDone < progress.layersTotal) return;
      last = now;
      stream.write(`\r${renderProgress(progress, label, stream.columns ?? 80)}\u001b[K`);
      drawn = true;
    },
    /** Removes the bar before the result or an error is printed. */
    clear(): void {
      if (drawn) stream.write('\r\u001b[K');
      drawn = false;
    },
  };
}

/** `label [#####·····]  45%  1/3 layers  12.3 MB/27.0 MB`, fitted to `columns`. */
export function renderProgress(progress: ProfileProgress, label: string, columns: number): string {
  const fraction = progress.bytesTotal > 0 ? Math.min(1, progress.bytesDone / progress.bytesTotal) : 0;
  const tail = ` ${String(Math.floor(fraction * 100)).padStart(3)}%  ${progress.layersDone}/${progress.layersTotal} layers  ${formatBytes(progress.bytesDone)}/${formatBytes(progress.bytesTotal)}`;
  const width = Math.max(10, Math.min(30, columns - label.length - tail.length - 4));
  const filled = Math.floor(fraction * width);
  const line = `${label} [${'#'.repeat(filled)}${'·'.repeat(width - filled)}]${tail}`;
  return line.length > columns - 1 ? line.slice(0, Math.max(0, columns - 1)) : line;
}
