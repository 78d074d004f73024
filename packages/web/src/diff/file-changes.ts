import type { FileChangeItem, FileModification } from '../api/types';
import { formatBytes } from '../format';

export type TypeFilter = 'all' | 'file' | 'text' | 'binary' | 'symlink' | 'other';

export const TYPE_FILTERS: readonly (readonly [TypeFilter, string])[] = [
  ['all', 'All types'],
  ['file', 'Regular files'],
  ['text', 'Text files'],
  ['binary', 'Binary files'],
  ['symlink', 'Symlinks'],
  ['other', 'Other'],
];

export type AnyFileChange = FileChangeItem | FileModification;

/** Items matching a type and a path fragment (case-insensitive); an empty query matches all. */
export function filterFileChanges<T extends AnyFileChange>(
  items: readonly T[],
  filter: { readonly type: TypeFilter; readonly query: string },
): T[] {
  const needle = filter.query.trim().toLowerCase();
  return items.filter((item) => {
    if (filter.type === 'file' && item.type !== 'file') return false;
    // Text and binary as the analysis saw them; a file it could not tell (an old cached layer) is neither.
    if (filter.type === 'text' && (item.type !== 'file' || item.binary !== false)) return false;
    if (filter.type === 'binary' && (item.type !== 'file' || item.binary !== true)) return false;
    if (filter.type === 'symlink' && item.type !== 'symlink') return false;
    if (filter.type === 'other' && (item.type === 'file' || item.type === 'symlink')) return false;
    return !needle || item.path.toLowerCase().includes(needle);
  });
}

/** A modified regular file whose bytes changed: its text diff can be asked for. */
export function hasContentDiff(item: FileModification): boolean {
  return (
    item.type === 'file' &&
    (item.leftType ?? item.type) === 'file' &&
    (item.changes ? item.changes.includes('content') : true)
  );
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

/** What changed about a modified path besides its bytes, in words: `mode 0644 → 0755`. */
export function changeDetails(item: FileModification): string[] {
  const out: string[] = [];
  const { left, right } = item;
  const changes = item.changes ?? [];
  if (changes.includes('type')) out.push(`${item.leftType ?? '?'} → ${item.type}`);
  if (left && right) {
    if (changes.includes('mode')) out.push(`mode ${octal(left.mode)} → ${octal(right.mode)}`);
    if (changes.includes('owner')) out.push(`owner ${left.uid}:${left.gid} → ${right.uid}:${right.gid}`);
    if (changes.includes('linkTarget'))
      out.push(`link ${left.linkTarget ?? '—'} → ${right.linkTarget ?? '—'}`);
  }
  if (changes.includes('device')) out.push('device numbers');
  if (changes.includes('xattrs')) out.push('extended attributes');
  if (changes.includes('mtime')) out.push('modification time');
  return out;
}

/** `+1.20 MB`, `−300 kB` (a real minus sign), `no change`. */
export function formatDelta(bytes: number): string {
  if (bytes === 0) return 'no change';
  return `${bytes > 0 ? '+' : '−'}${formatBytes(Math.abs(bytes))}`;
}

/** A config value as a person reads it: strings as they are, lists and objects as JSON, unset as —. */
export function formatConfigValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value === '' ? '""' : value;
  return JSON.stringify(value);
}
