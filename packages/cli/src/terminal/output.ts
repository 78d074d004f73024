type Env = Readonly<Record<string, string | undefined>>;

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

const sgr =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string): string => text;

/**
 * ANSI colours for a stream: only when it is a terminal and `NO_COLOR` is not set to anything
 * non-empty (https://no-color.org).
 */
export function styleFor(stream: { readonly isTTY?: boolean }, env: Env = process.env): Style {
  const on = stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
  return on
    ? { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39) }
    : { bold: plain, dim: plain, red: plain, green: plain, yellow: plain };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const visibleLength = (text: string): number => text.replace(ANSI, '').length;

/**
 * A table as `docker ps` and `kubectl get` print them: upper-case headers, columns padded with
 * three spaces, no borders; the last column is not padded.
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  style: Style,
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell)),
      )
      .join('   ')
      .trimEnd();
  return `${[style.bold(line(headers)), ...rows.map(line)].join('\n')}\n`;
}

/** Pretty JSON with a final newline: what `--json` prints. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `2026-11-27 16:44` from an ISO timestamp; `-` for none. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/** `sha256:0123456789ab` — a digest shortened as `docker images` does. */
export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return '-';
  const [algorithm, hex] = digest.split(':');
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest;
}

/** `berth … | head` closes the pipe early: that is the reader's choice, not a failure. */
export function exitQuietlyOnEpipe(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
