import { api } from '../api/client';
import type { FileItem } from '../api/types';

/** How many directory listings one treemap may fetch to add up its directories' sizes. */
export const TOTAL_BUDGET = 250;

export interface DirTotal {
  readonly bytes: number;
  /** false when the budget ran out before every subdirectory was listed: `bytes` is a lower bound. */
  readonly complete: boolean;
}

/**
 * Directory listings of one profile's file system (merged, or one layer's), each fetched once
 * and shared by the explorer and the treemap. The API lists one level and reports no directory
 * sizes, so the treemap adds them up here, within a budget of listings.
 */
export class FileStore {
  readonly #listings = new Map<string, Promise<FileItem[]>>();
  readonly #totals = new Map<string, number>();

  constructor(
    readonly profileId: string,
    readonly layer: number | undefined,
  ) {}

  has(path: string): boolean {
    return this.#listings.has(path);
  }

  list(path: string): Promise<FileItem[]> {
    let listing = this.#listings.get(path);
    if (!listing) {
      listing = api.profileFiles(this.profileId, path, this.layer).then((res) => res.items);
      void listing.catch(() => this.#listings.delete(path));
      this.#listings.set(path, listing);
    }
    return listing;
  }

  /** The total size of the regular files under `path`, known without fetching anything. */
  knownTotal(path: string): number | undefined {
    return this.#totals.get(path);
  }

  async total(path: string, budget: { left: number }): Promise<DirTotal> {
    const known = this.#totals.get(path);
    if (known !== undefined) return { bytes: known, complete: true };
    if (!this.has(path)) {
      if (budget.left <= 0) return { bytes: 0, complete: false };
      budget.left--;
    }
    const items = await this.list(path);
    const parts = await Promise.all(
      items.map((item): Promise<DirTotal> =>
        item.type === 'dir'
          ? this.total(item.path, budget)
          : Promise.resolve({ bytes: item.type === 'file' ? item.size : 0, complete: true }),
      ),
    );
    const result = {
      bytes: parts.reduce((sum, p) => sum + p.bytes, 0),
      complete: parts.every((p) => p.complete),
    };
    if (result.complete) this.#totals.set(path, result.bytes);
    return result;
  }
}
