import type { DiffListPage, FileChangeKind, ImageDiff } from '../api/types';
import type { AnyFileChange } from './file-changes';

/** The loaded part of one of a diff's file lists, and where the next page starts. */
export interface LoadedList {
  readonly items: readonly AnyFileChange[];
  readonly total: number;
  readonly nextCursor: string | null;
}

export type LoadedLists = Readonly<Record<FileChangeKind, LoadedList>>;

export const FILE_KINDS: readonly FileChangeKind[] = ['modified', 'added', 'removed'];

/**
 * The first page of each list rides along with the diff (the API inlines up to 100 of each);
 * the totals come from the summary, and the cursor of the next page is the offset reached.
 */
export function initialLists(diff: ImageDiff): LoadedLists {
  const list = (items: readonly AnyFileChange[], total: number): LoadedList => ({
    items,
    total: Math.max(total, items.length),
    nextCursor: items.length < total ? String(items.length) : null,
  });
  return {
    added: list(diff.files.added, diff.summary.filesAdded),
    removed: list(diff.files.removed, diff.summary.filesRemoved),
    modified: list(diff.files.modified, diff.summary.filesModified),
  };
}

/** A list with the next page appended. */
export function appendPage(list: LoadedList, page: DiffListPage<AnyFileChange>): LoadedList {
  return { items: [...list.items, ...page.items], total: page.total, nextCursor: page.nextCursor };
}
