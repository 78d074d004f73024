import { describe, expect, it } from 'vitest';
import type { ImageDiff } from '../api/types';
import { appendPage, initialLists } from './file-pages';

const file = (path: string) => ({ path, type: 'file', size: 1 });

describe('diff file lists', () => {
  it('start from the inlined first pages and continue where they end', () => {
    const added = Array.from({ length: 100 }, (_, i) => file(`/a/${i}`));
    const diff = {
      summary: { filesAdded: 130, filesRemoved: 1, filesModified: 0 },
      files: { added, removed: [file('/gone')], modified: [] },
    } as unknown as ImageDiff;
    const lists = initialLists(diff);
    expect(lists.added).toMatchObject({ total: 130, nextCursor: '100' });
    expect(lists.removed).toMatchObject({ total: 1, nextCursor: null });
    expect(lists.modified).toMatchObject({ total: 0, nextCursor: null, items: [] });
    const more = appendPage(lists.added, {
      items: Array.from({ length: 30 }, (_, i) => file(`/b/${i}`)),
      nextCursor: null,
      total: 130,
    });
    expect(more.items).toHaveLength(130);
    expect(more.nextCursor).toBeNull();
  });
});
