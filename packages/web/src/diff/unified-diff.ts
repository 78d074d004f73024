/** One row of a rendered unified diff, GitHub style: both line numbers and the kind of line. */
export interface DiffRow {
  readonly kind: 'hunk' | 'context' | 'add' | 'del' | 'note';
  /** Line number in the left (A) file; context and deleted lines. */
  readonly oldLine?: number;
  /** Line number in the right (B) file; context and added lines. */
  readonly newLine?: number;
  /** The line without its `+`/`-`/` ` prefix; the `@@ … @@` header for hunks. */
  readonly text: string;
}

export interface ParsedDiff {
  readonly rows: DiffRow[];
  readonly added: number;
  readonly deleted: number;
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/;

/**
 * Reads the `diff -u` text of `GET /diffs/:id/file` into rows with line numbers: the `---`/`+++`
 * header is dropped, each `@@ -a,b +c,d @@` starts counting anew, and `\ No newline at end of
 * file` becomes a note. Lines outside a hunk (a `Binary files … differ` sentence) are notes.
 *
 * @example
 * parseUnifiedDiff('--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n').rows.map((r) => r.kind);
 * // ['hunk', 'del', 'add']
 */
export function parseUnifiedDiff(text: string): ParsedDiff {
  const rows: DiffRow[] = [];
  let added = 0;
  let deleted = 0;
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const hunk = HUNK.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      inHunk = true;
      rows.push({ kind: 'hunk', text: line });
    } else if (!inHunk) {
      if (!line.startsWith('--- ') && !line.startsWith('+++ ')) rows.push({ kind: 'note', text: line });
    } else if (line.startsWith('+')) {
      rows.push({ kind: 'add', newLine: newLine++, text: line.slice(1) });
      added++;
    } else if (line.startsWith('-')) {
      rows.push({ kind: 'del', oldLine: oldLine++, text: line.slice(1) });
      deleted++;
    } else if (line.startsWith('\\')) {
      rows.push({ kind: 'note', text: line.slice(1).trim() });
    } else {
      rows.push({ kind: 'context', oldLine: oldLine++, newLine: newLine++, text: line.slice(1) });
    }
  }
  return { rows, added, deleted };
}
