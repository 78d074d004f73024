/** Lines of context around each change, as `diff -u` prints by default. */
export const DIFF_CONTEXT_LINES = 3;
/**
 * Edit distance beyond which the Myers search gives up and reports the differing middle as one
 * replacement: the search costs O(D²) memory, and a diff that large is not read line by line.
 */
export const MAX_EDIT_DISTANCE = 2000;
/** Bytes inspected for a NUL, as git's `buffer_is_binary` does. */
const BINARY_SNIFF_BYTES = 8000;

export interface UnifiedDiffOptions {
  readonly context?: number;
  readonly maxEditDistance?: number;
}

/**
 * True when the content looks binary: a NUL byte in its first 8000 bytes (git's heuristic).
 */
export function isBinaryContent(content: Uint8Array): boolean {
  const end = Math.min(content.length, BINARY_SNIFF_BYTES);
  for (let i = 0; i < end; i++) if (content[i] === 0) return true;
  return false;
}

/**
 * A unified diff (`diff -u` format, `--- a/PATH` / `+++ b/PATH` headers) of one file present
 * in both images, computed with Myers' O(ND) algorithm on lines. Identical inputs give `''`;
 * binary inputs give `Binary files a/PATH and b/PATH differ\n` (or `''` when equal). A last line
 * without a newline is marked `\ No newline at end of file`, as GNU diff does.
 *
 * @example
 * unifiedTextDiff('a\nb\n', 'a\nc\n', 'etc/motd');
 * // '--- a/etc/motd\n+++ b/etc/motd\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n'
 */
export function unifiedTextDiff(
  left: string | Uint8Array,
  right: string | Uint8Array,
  path: string,
  options: UnifiedDiffOptions = {},
): string {
  const name = path.replace(/^\/+/, '');
  const leftBytes = typeof left === 'string' ? Buffer.from(left) : left;
  const rightBytes = typeof right === 'string' ? Buffer.from(right) : right;
  if (isBinaryContent(leftBytes) || isBinaryContent(rightBytes)) {
    return Buffer.from(leftBytes).equals(Buffer.from(rightBytes))
      ? ''
      : `Binary files a/${name} and b/${name} differ\n`;
  }
  const a = splitLines(Buffer.from(leftBytes).toString('utf8'));
  const b = splitLines(Buffer.from(rightBytes).toString('utf8'));
  const ops = diffLines(a, b, options.maxEditDistance ?? MAX_EDIT_DISTANCE);
  const hunks = toHunks(ops, options.context ?? DIFF_CONTEXT_LINES);
  if (hunks.length === 0) return '';
  let out = `--- a/${name}\n+++ b/${name}\n`;
  for (const hunk of hunks) {
    out += `@@ -${range(hunk.aStart, hunk.aCount)} +${range(hunk.bStart, hunk.bCount)} @@\n`;
    for (const op of hunk.ops) {
      const line = op.kind === 'equal' ? a[op.a] : op.kind === 'delete' ? a[op.a] : b[op.b];
      const prefix = op.kind === 'equal' ? ' ' : op.kind === 'delete' ? '-' : '+';
      out += `${prefix}${line ?? ''}`;
      if (!(line ?? '').endsWith('\n')) out += '\n\\ No newline at end of file\n';
    }
  }
  return out;
}

/** Lines with their terminating `\n` kept, so a missing final newline is a difference. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/(?<=\n)/);
  return lines;
}

type Op =
  { kind: 'equal'; a: number; b: number } | { kind: 'delete'; a: number } | { kind: 'insert'; b: number };

/** The edit script from `a` to `b`: common prefix and suffix trimmed, Myers in between. */
export function diffLines(a: readonly string[], b: readonly string[], maxD = MAX_EDIT_DISTANCE): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: Op[] = [];
  for (let i = 0; i < start; i++) ops.push({ kind: 'equal', a: i, b: i });
  ops.push(...myers(a, b, start, endA, start, endB, maxD));
  for (let i = 0; endA + i < a.length; i++) ops.push({ kind: 'equal', a: endA + i, b: endB + i });
  return ops;
}

/**
 * Myers, "An O(ND) Difference Algorithm and Its Variations" (1986), forward greedy search with
 * one V array kept per D for the backtrack. Deletions are preferred over insertions at a tie,
 * so a replaced block reads `-old` then `+new`.
 */
function myers(
  a: readonly string[],
  b: readonly string[],
  a0: number,
  a1: number,
  b0: number,
  b1: number,
  maxD: number,
): Op[] {
  const n = a1 - a0;
  const m = b1 - b0;
  const replaceAll = (): Op[] => [
    ...Array.from({ length: n }, (_, i): Op => ({ kind: 'delete', a: a0 + i })),
    ...Array.from({ length: m }, (_, j): Op => ({ kind: 'insert', b: b0 + j })),
  ];
  if (n === 0 || m === 0) return replaceAll();
  const max = Math.min(n + m, maxD);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number))) {
        x = v[offset + k + 1] as number;
      } else {
        x = (v[offset + k - 1] as number) + 1;
      }
      let y = x - k;
      while (x < n && y < m && a[a0 + x] === b[b0 + y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    v = next;
  }
  if (found < 0) return replaceAll();
  trace.push(v);
  // Backtrack from (n, m): trace[d + 1] holds the furthest points after step d.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d] as Int32Array;
    const k = x - y;
    const down = k === -d || (k !== d && (prev[offset + k - 1] as number) < (prev[offset + k + 1] as number));
    const prevK = down ? k + 1 : k - 1;
    const prevX = prev[offset + prevK] as number;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      ops.push({ kind: 'equal', a: a0 + x, b: b0 + y });
    }
    if (down) {
      y--;
      ops.push({ kind: 'insert', b: b0 + y });
    } else {
      x--;
      ops.push({ kind: 'delete', a: a0 + x });
    }
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    ops.push({ kind: 'equal', a: a0 + x, b: b0 + y });
  }
  ops.reverse();
  return groupChanges(ops);
}

/** Within each run of changes, deletions first, then insertions (what `diff -u` prints). */
function groupChanges(ops: Op[]): Op[] {
  const out: Op[] = [];
  let dels: Op[] = [];
  let ins: Op[] = [];
  const flush = (): void => {
    out.push(...dels, ...ins);
    dels = [];
    ins = [];
  };
  for (const op of ops) {
    if (op.kind === 'equal') {
      flush();
      out.push(op);
    } else if (op.kind === 'delete') dels.push(op);
    else ins.push(op);
  }
  flush();
  return out;
}

interface Hunk {
  aStart: number;
  aCount: number;
  bStart: number;
  bCount: number;
  ops: Op[];
}

function toHunks(ops: readonly Op[], context: number): Hunk[] {
  const changes: number[] = [];
  ops.forEach((op, i) => {
    if (op.kind !== 'equal') changes.push(i);
  });
  if (changes.length === 0) return [];
  const hunks: Hunk[] = [];
  let i = 0;
  while (i < changes.length) {
    const from = Math.max(0, (changes[i] as number) - context);
    let last = changes[i] as number;
    // Changes closer than 2×context share one hunk, as in diff -u.
    while (i + 1 < changes.length && (changes[i + 1] as number) - last <= 2 * context)
      last = changes[++i] as number;
    const to = Math.min(ops.length, last + context + 1);
    const slice = ops.slice(from, to);
    let aStart = -1;
    let bStart = -1;
    let aCount = 0;
    let bCount = 0;
    for (const op of slice) {
      if (op.kind !== 'insert') {
        if (aStart < 0) aStart = op.a;
        aCount++;
      }
      if (op.kind !== 'delete') {
        if (bStart < 0) bStart = op.b;
        bCount++;
      }
    }
    // An empty side starts at the line before the hunk (diff -u prints `-0,0` for an empty file).
    if (aStart < 0) aStart = positionBefore(ops, from, 'a');
    if (bStart < 0) bStart = positionBefore(ops, from, 'b');
    hunks.push({ aStart, aCount, bStart, bCount, ops: slice });
    i++;
  }
  return hunks;
}

/** 0-based index of the first line a side would have at `index`, for an empty range. */
function positionBefore(ops: readonly Op[], index: number, side: 'a' | 'b'): number {
  let count = 0;
  for (let i = 0; i < index; i++) {
    const op = ops[i] as Op;
    if (side === 'a' ? op.kind !== 'insert' : op.kind !== 'delete') count++;
  }
  return count;
}

/** `start,count` 1-based; an empty range names the line before it (`0,0` at the top). */
function range(start0: number, count: number): string {
  if (count === 0) return `${start0},0`;
  return count === 1 ? `${start0 + 1}` : `${start0 + 1},${count}`;
}
