import { api } from '../api/client';
import type { FileItem } from '../api/types';

/**
 * Directory listings of one profile's file system (merged, or one layer's), each fetched once
 * and shared by the explorer and the treemap. The API reports every directory's total size
 * (`totalSize`, the whole subtree), so nothing is added up here.
 */
export class FileStore {
  readonly #listings = new Map<string, Promise<FileItem[]>>();

  constructor(
    readonly profileId: string,
    readonly layer: number | undefined,
  ) {}

  list(path: string): Promise<FileItem[]> {
    let listing = this.#listings.get(path);
    if (!listing) {
      listing = api.profileFiles(this.profileId, path, this.layer).then((res) => res.items);
      void listing.catch(() => this.#listings.delete(path));
      this.#listings.set(path, listing);
    }
    return listing;
  }
}

/** The bytes an entry takes: a directory's subtree total, a regular file's size, 0 otherwise. */
export function entryBytes(item: FileItem): number {
  if (item.type === 'dir') return item.totalSize ?? 0;
  return item.type === 'file' ? item.size : 0;
}
