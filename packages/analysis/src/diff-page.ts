import { AnalysisError } from './analysis-error.js';

export interface DiffPage<T> {
  readonly items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
  readonly total: number;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/**
 * One page of a long diff list (`files.added`, `packages.changed`…). The cursor is the offset
 * of the next item, opaque to callers; the lists of a diff are immutable and sorted, so an
 * offset is stable. Bad cursors and limits fail with `invalid_argument`.
 *
 * @example
 * const first = pageDiffList(diff.files.added, { limit: 50 });
 * const second = pageDiffList(diff.files.added, { cursor: first.nextCursor, limit: 50 });
 */
export function pageDiffList<T>(
  items: readonly T[],
  options: { cursor?: string | null; limit?: number } = {},
): DiffPage<T> {
  const limit = options.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new AnalysisError('invalid_argument', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  let offset = 0;
  if (options.cursor !== undefined && options.cursor !== null && options.cursor !== '') {
    if (!/^[0-9]{1,15}$/.test(options.cursor) || Number(options.cursor) > items.length) {
      throw new AnalysisError('invalid_argument', `invalid cursor ${JSON.stringify(options.cursor)}`);
    }
    offset = Number(options.cursor);
  }
  const end = Math.min(items.length, offset + limit);
  return {
    items: items.slice(offset, end),
    nextCursor: end < items.length ? String(end) : null,
    total: items.length,
  };
}
