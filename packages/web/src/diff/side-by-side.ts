/** One row of a side-by-side view: a line of A, a line of B, or both. */
export interface SplitRow {
  readonly left?: { readonly line: number; readonly text: string };
  readonly right?: { readonly line: number; readonly text: string };
  readonly kind: 'same' | 'changed' | 'removed' | 'added';
}

/** Above this many line pairs the table for the LCS is not built: both sides are shown as one change. */
const MAX_CELLS = 4_000_000;

/**
 * Aligns two short texts (Dockerfiles) line by line for a side-by-side view: equal lines face
 * each other, and within a run of changes the removed lines of A face the added lines of B in
 * order, as GitHub's split diff does. A longest common subsequence over lines, O(n·m): fine for
 * the few hundred lines of a Dockerfile, and bounded for anything larger.
 *
 * @example
 * sideBySide('FROM a\nRUN x\n', 'FROM a\nRUN y\n').map((r) => r.kind); // ['same', 'changed']
 */
export function sideBySide(leftText: string, rightText: string): SplitRow[] {
  const a = lines(leftText);
  const b = lines(rightText);
  const n = a.length;
  const m = b.length;
  const ops: ('=' | '-' | '+')[] = [];
  if (n * m <= MAX_CELLS) {
    // lcs[i][j] = LCS length of a[i..] and b[j..], in one flat array.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        lcs[i * w + j] =
          a[i] === b[j]
            ? (lcs[(i + 1) * w + j + 1] as number) + 1
            : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) {
        ops.push('=');
        i++;
        j++;
      } else if ((lcs[(i + 1) * w + j] as number) >= (lcs[i * w + j + 1] as number)) {
        ops.push('-');
        i++;
      } else {
        ops.push('+');
        j++;
      }
    }
    while (i++ < n) ops.push('-');
    while (j++ < m) ops.push('+');
  } else {
    for (let i = 0; i < n; i++) ops.push('-');
    for (let j = 0; j < m; j++) ops.push('+');
  }

  const rows: SplitRow[] = [];
  let i = 0;
  let j = 0;
  let k = 0;
  while (k < ops.length) {
    if (ops[k] === '=') {
      rows.push({
        kind: 'same',
        left: { line: i + 1, text: a[i] ?? '' },
        right: { line: j + 1, text: b[j] ?? '' },
      });
      i++;
      j++;
      k++;
      continue;
    }
    const dels: number[] = [];
    const adds: number[] = [];
    while (k < ops.length && ops[k] !== '=') {
      if (ops[k] === '-') dels.push(i++);
      else adds.push(j++);
      k++;
    }
    for (let r = 0; r < Math.max(dels.length, adds.length); r++) {
      const d = dels[r];
      const ad = adds[r];
      rows.push({
        kind: d !== undefined && ad !== undefined ? 'changed' : d !== undefined ? 'removed' : 'added',
        ...(d !== undefined ? { left: { line: d + 1, text: a[d] ?? '' } } : {}),
        ...(ad !== undefined ? { right: { line: ad + 1, text: b[ad] ?? '' } } : {}),
      });
    }
  }
  return rows;
}

function lines(text: string): string[] {
  if (!text) return [];
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}
