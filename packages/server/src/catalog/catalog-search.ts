import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { engineOf } from '../db/engine.js';
import type { Schema } from '../db/schema.js';
import { postgresSearchCandidates } from './catalog-search-postgres.js';

export interface SearchItem {
  readonly source: 'connected' | 'public';
  readonly platform: string;
  readonly connectorId?: string;
  readonly connectorName?: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly description?: string;
  /** Why it matched, for highlighting and tests: exact, prefix, word, substring, fuzzy. */
  readonly match: 'exact' | 'prefix' | 'word' | 'substring' | 'fuzzy';
}

interface Candidate {
  kind: 'repository' | 'tag';
  ref_id: string;
  connector_id: string;
  text: string;
}

const TIERS = { exact: 5, prefix: 4, word: 3, substring: 2, fuzzy: 1 } as const;
const CANDIDATES = 400;

function trigrams(text: string): Set<string> {
  const t = text.toLowerCase();
  const out = new Set<string>();
  for (let i = 0; i + 3 <= t.length; i++) out.add(t.slice(i, i + 3));
  return out;
}

/** How a name matches the query; names are `repo` or `repo:tag`, compared case-insensitively. */
export function classifyMatch(
  text: string,
  query: string,
): { tier: SearchItem['match']; score: number } | undefined {
  const t = text.toLowerCase();
  const q = query.toLowerCase();
  const base = t.split('/').at(-1) ?? t;
  const words = t.split(/[/:._-]+/);
  if (t === q || base === q || words.at(-1) === q) return { tier: 'exact', score: TIERS.exact };
  if (t.startsWith(q) || base.startsWith(q)) return { tier: 'prefix', score: TIERS.prefix };
  if (words.includes(q) || words.some((w) => w.startsWith(q))) return { tier: 'word', score: TIERS.word };
  if (t.includes(q)) return { tier: 'substring', score: TIERS.substring };
  const qg = trigrams(q);
  if (qg.size === 0) return undefined;
  const tg = trigrams(t);
  let shared = 0;
  for (const g of qg) if (tg.has(g)) shared++;
  const similarity = shared / qg.size;
  return similarity >= 0.5 ? { tier: 'fuzzy', score: TIERS.fuzzy + similarity * 0.5 } : undefined;
}

function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/**
 * Search over the owner's catalog through the FTS5 trigram index (no table scan): substring
 * matches first, then — when those are few — fuzzy candidates sharing trigrams with the
 * query; ranked exact › prefix › word › substring › fuzzy, repositories before their tags.
 */
export async function searchCatalog(
  db: Kysely<Schema>,
  ownerId: string,
  query: string,
  limit: number,
): Promise<SearchItem[]> {
  const q = query.trim();
  if (q.length === 0) return [];
  let candidates: Candidate[];
  if (q.length < 3) {
    // Too short for trigrams: a prefix range on the (owner, text) index.
    candidates = await db
      .selectFrom('catalog_entries')
      .select(['kind', 'ref_id', 'connector_id', 'text'])
      .where('owner_id', '=', ownerId)
      .where('text', '>=', q.toLowerCase())
      .where('text', '<', `${q.toLowerCase()}\uffff`)
      .limit(CANDIDATES)
      .execute();
  } else if (engineOf(db) === 'postgres') {
    candidates = (await postgresSearchCandidates(db, ownerId, q, limit, CANDIDATES, [
      'repository',
      'tag',
    ])) as Candidate[];
  } else {
    const run = (match: string) =>
      sql<Candidate>`select e.kind, e.ref_id, e.connector_id, e.text from catalog_search s join catalog_entries e on e.id = s.rowid
        where catalog_search match ${match} and e.owner_id = ${ownerId} limit ${CANDIDATES}`.execute(db);
    candidates = (await run(ftsPhrase(q))).rows;
    if (candidates.length < limit) {
      const grams = [...trigrams(q)];
      if (grams.length > 1) {
        const seen = new Set(candidates.map((c) => c.ref_id));
        const fuzzy = (await run(grams.map(ftsPhrase).join(' OR '))).rows.filter((c) => !seen.has(c.ref_id));
        candidates = [...candidates, ...fuzzy];
      }
    }
  }
  const ranked = candidates
    .map((c) => ({ c, m: classifyMatch(c.text, q) }))
    .filter((x): x is { c: Candidate; m: NonNullable<ReturnType<typeof classifyMatch>> } => x.m !== undefined)
    .sort(
      (a, b) =>
        b.m.score - a.m.score ||
        (a.c.kind === b.c.kind ? 0 : a.c.kind === 'repository' ? -1 : 1) ||
        a.c.text.length - b.c.text.length ||
        (a.c.text < b.c.text ? -1 : 1),
    )
    .slice(0, limit);
  if (ranked.length === 0) return [];
  const connectors = new Map(
    (
      await db
        .selectFrom('connectors')
        .select(['id', 'name', 'platform'])
        .where('owner_id', '=', ownerId)
        .where('id', 'in', [...new Set(ranked.map((r) => r.c.connector_id))])
        .execute()
    ).map((c) => [c.id, c]),
  );
  const tagIds = ranked.filter((r) => r.c.kind === 'tag').map((r) => r.c.ref_id);
  const digests = new Map(
    tagIds.length === 0
      ? []
      : (await db.selectFrom('tags').select(['id', 'digest']).where('id', 'in', tagIds).execute()).map(
          (t) => [t.id, t.digest],
        ),
  );
  return ranked.flatMap(({ c, m }) => {
    const connector = connectors.get(c.connector_id);
    if (!connector) return [];
    const colon = c.kind === 'tag' ? c.text.lastIndexOf(':') : -1;
    const digest = digests.get(c.ref_id);
    return [
      {
        source: 'connected' as const,
        platform: connector.platform,
        connectorId: connector.id,
        connectorName: connector.name,
        repository: colon >= 0 ? c.text.slice(0, colon) : c.text,
        ...(colon >= 0 ? { tag: c.text.slice(colon + 1) } : {}),
        ...(digest ? { digest } : {}),
        match: m.tier,
      },
    ];
  });
}
