import { sql, type Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

export interface SearchCandidate {
  /** `repository`, or `tag_name` (a tag name one of the connector's repositories has). */
  kind: string;
  ref_id: string;
  connector_id: string;
  text: string;
}

/** Escapes LIKE's wildcards (PostgreSQL's default escape character is the backslash). */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Candidate names for a search on PostgreSQL, through the GIN trigram index on
 * `lower(text)` (pg_trgm): substring matches first (`LIKE '%q%'`), then — when those are
 * fewer than `limit` — fuzzy ones whose trigrams overlap the query's (`q <% text`, word
 * similarity). Each kind of entry has its own budget of `maxCandidates`, so one kind never
 * crowds out another. The caller ranks them exactly as on SQLite (exact › prefix › word ›
 * substring › fuzzy), so both engines give the same order.
 */
export async function postgresSearchCandidates(
  db: Kysely<Schema>,
  ownerId: string,
  query: string,
  limit: number,
  maxCandidates: number,
  kinds: readonly string[],
): Promise<SearchCandidate[]> {
  const q = query.toLowerCase();
  let candidates: SearchCandidate[] = [];
  for (const kind of kinds) {
    const substring = await sql<SearchCandidate>`select kind, ref_id, connector_id, text from catalog_entries
      where owner_id = ${ownerId} and kind = ${kind} and lower(text) like ${likePattern(q)}
      limit ${maxCandidates}`.execute(db);
    candidates = [...candidates, ...substring.rows];
  }
  if (candidates.length < limit && q.length >= 3) {
    const seen = new Set(candidates.map((c) => c.ref_id));
    // A low threshold for the index scan; the ranking applies the real criterion (half of the
    // query's trigrams present) afterwards, as the SQLite path does.
    const fuzzy = await db.transaction().execute(async (tx) => {
      await sql`select set_config('pg_trgm.word_similarity_threshold', '0.3', true)`.execute(tx);
      const rows: SearchCandidate[] = [];
      for (const kind of kinds) {
        const found = await sql<SearchCandidate>`select kind, ref_id, connector_id, text from catalog_entries
          where owner_id = ${ownerId} and kind = ${kind} and ${q} <% lower(text)
          order by ${q} <<-> lower(text) limit ${maxCandidates}`.execute(tx);
        rows.push(...found.rows);
      }
      return rows;
    });
    candidates = [...candidates, ...fuzzy.filter((c) => !seen.has(c.ref_id))];
  }
  return candidates;
}

/**
 * Up to `limit` tags named `name` in a connector's repositories, in the repositories' natural
 * order (as SQLite reads them): each repository probed on the unique (repository, sort key,
 * name) index. A lateral subquery, because given a plain join the planner estimates few matches
 * and scans every tag of every connector (a parallel sequential scan: ~50 ms at 300,000 tags).
 */
export async function postgresTagsNamed(
  db: Kysely<Schema>,
  connectorId: string,
  sortKey: string,
  name: string,
  limit: number,
): Promise<{ repository_id: string; name: string; digest: string | null; repository: string }[]> {
  const found = await sql<{ repository_id: string; name: string; digest: string | null; repository: string }>`
    select r.id as repository_id, t.name, t.digest, r.name as repository from repositories r
    cross join lateral (select name, digest from tags
      where repository_id = r.id and sort_key = ${sortKey} and name = ${name} limit 1) t
    where r.connector_id = ${connectorId}
    order by r.sort_key, r.name limit ${limit}`.execute(db);
  return found.rows;
}
