import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { engineOf } from '../db/engine.js';
import type { CatalogEntriesTable, Schema } from '../db/schema.js';
import { postgresSearchCandidates, postgresTagsNamed } from './catalog-search-postgres.js';
import { naturalSortKey } from './natural-sort.js';

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

/** A row of the search index: a repository, or a tag name one of the owner's connectors has. */
interface Entry {
  kind: string;
  ref_id: string;
  connector_id: string;
  text: string;
}

/** What gets ranked: a repository (`name`) or a tag (`repository:tag`). */
interface Candidate {
  kind: 'repository' | 'tag';
  ref_id: string;
  connector_id: string;
  text: string;
  digest?: string | null;
}

const TIERS = { exact: 5, prefix: 4, word: 3, substring: 2, fuzzy: 1 } as const;
const CANDIDATES = 400;

function trigrams(text: string): Set<string> {
  const t = text.toLowerCase();
  const out = new Set<string>();
  for (let i = 0; i + 3 <= t.length; i++) out.add(t.slice(i, i + 3));
  return out;
}

type Match = { tier: SearchItem['match']; score: number };

/** How a name matches the query; names are `repo` or `repo:tag`, compared case-insensitively. */
export function classifyMatch(text: string, query: string): Match | undefined {
  return matcherFor(query)(text);
}

/**
 * {@link classifyMatch} for one query, prepared once (lower-cased query, its trigrams) and
 * remembered per name: a search classifies hundreds of candidates, many of them twice.
 */
function matcherFor(query: string): (text: string) => Match | undefined {
  const q = query.toLowerCase();
  const qg = [...trigrams(q)];
  const seen = new Map<string, Match | undefined>();
  const classify = (text: string): Match | undefined => {
    const t = text.toLowerCase();
    const base = t.slice(t.lastIndexOf('/') + 1);
    const words = t.split(/[/:._-]+/);
    if (t === q || base === q || words.at(-1) === q) return { tier: 'exact', score: TIERS.exact };
    if (t.startsWith(q) || base.startsWith(q)) return { tier: 'prefix', score: TIERS.prefix };
    if (words.some((w) => w.startsWith(q))) return { tier: 'word', score: TIERS.word };
    if (t.includes(q)) return { tier: 'substring', score: TIERS.substring };
    if (qg.length === 0) return undefined;
    // A trigram of the query is among the name's exactly when the name contains it.
    let shared = 0;
    for (const g of qg) if (t.includes(g)) shared++;
    const similarity = shared / qg.length;
    return similarity >= 0.5 ? { tier: 'fuzzy', score: TIERS.fuzzy + similarity * 0.5 } : undefined;
  };
  return (text) => {
    if (seen.has(text)) return seen.get(text);
    const m = classify(text);
    seen.set(text, m);
    return m;
  };
}

function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/**
 * Names that start with the query, whole or at a path segment (`zeta/api` for "api") — the
 * exact and prefix tiers — shortest first. Fetched apart from the capped substring candidates,
 * which come in index order: a word found in more than {@link CANDIDATES} names must never push
 * the names that start with it out of the ranking.
 */
async function anchoredEntries(
  db: Kysely<Schema>,
  ownerId: string,
  q: string,
  kinds: readonly Entry['kind'][],
): Promise<Entry[]> {
  const lower = q.toLowerCase();
  const whole = db
    .selectFrom('catalog_entries')
    .select(['kind', 'ref_id', 'connector_id', 'text'])
    .where('owner_id', '=', ownerId)
    .where('text', '>=', lower)
    .where('text', '<', `${lower}\uffff`)
    .where('kind', 'in', kinds as CatalogEntriesTable['kind'][])
    .orderBy(sql`length(text)`)
    .orderBy('text')
    .limit(CANDIDATES)
    .execute();
  // A path segment starting with the query: a range on catalog_segments (one row per `/` of a
  // repository name, lower-cased), whose ref_ids drive unique-index lookups of the entries —
  // only the names that match are read, however common the word. `in`, not a join: a name
  // with two such segments counts once.
  const segment = !kinds.includes('repository')
    ? Promise.resolve([])
    : db
        .selectFrom('catalog_entries as e')
        .select(['e.kind', 'e.ref_id', 'e.connector_id', 'e.text'])
        .where('e.kind', '=', 'repository')
        .where('e.ref_id', 'in', (eb) =>
          eb
            .selectFrom('catalog_segments')
            .select('catalog_segments.ref_id')
            .where('catalog_segments.owner_id', '=', ownerId)
            .where('catalog_segments.segment', '>=', lower)
            .where('catalog_segments.segment', '<', `${lower}\uffff`),
        )
        .orderBy(sql`length(e.text)`)
        .orderBy('e.text')
        .limit(CANDIDATES)
        .execute();
  return [...(await whole), ...(await segment)];
}

/** Entries once each, in order of first appearance. */
function distinct(entries: readonly Entry[]): Entry[] {
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.ref_id) && (seen.add(e.ref_id), true));
}

/** Index entries whose text starts with or contains the query (fuzzy ones too, when those are few). */
async function matchingEntries(
  db: Kysely<Schema>,
  ownerId: string,
  q: string,
  limit: number,
  kinds: readonly Entry['kind'][] = ['repository', 'tag_name'],
): Promise<Entry[]> {
  if (q.length >= 3) {
    const [anchored, contained] = [
      await anchoredEntries(db, ownerId, q, kinds),
      await containingEntries(db, ownerId, q, limit, kinds),
    ];
    return distinct([...anchored, ...contained]);
  }
  return containingEntries(db, ownerId, q, limit, kinds);
}

/** Index entries whose text contains the query (fuzzy ones too, when those are few), in index order. */
async function containingEntries(
  db: Kysely<Schema>,
  ownerId: string,
  q: string,
  limit: number,
  kinds: readonly Entry['kind'][],
): Promise<Entry[]> {
  if (q.length < 3) {
    // Too short for trigrams: a prefix range on the (owner, text) index.
    return db
      .selectFrom('catalog_entries')
      .select(['kind', 'ref_id', 'connector_id', 'text'])
      .where('owner_id', '=', ownerId)
      .where('text', '>=', q.toLowerCase())
      .where('text', '<', `${q.toLowerCase()}\uffff`)
      .where('kind', 'in', kinds as CatalogEntriesTable['kind'][])
      .limit(CANDIDATES)
      .execute();
  }
  if (engineOf(db) === 'postgres') return postgresSearchCandidates(db, ownerId, q, limit, CANDIDATES, kinds);
  // SQLite: the FTS5 trigram index, one kind at a time so repositories never crowd out names.
  const run = async (match: string) =>
    (
      await Promise.all(
        kinds.map((kind) =>
          sql<Entry>`select e.kind, e.ref_id, e.connector_id, e.text from catalog_search s join catalog_entries e on e.id = s.rowid
        where catalog_search match ${match} and e.owner_id = ${ownerId} and e.kind = ${kind} limit ${CANDIDATES}`.execute(
            db,
          ),
        ),
      )
    ).flatMap((r) => r.rows);
  let entries = await run(ftsPhrase(q));
  if (entries.length < limit) {
    const grams = [...trigrams(q)];
    if (grams.length > 1) {
      const seen = new Set(entries.map((c) => c.ref_id));
      const fuzzy = (await run(grams.map(ftsPhrase).join(' OR '))).filter((c) => !seen.has(c.ref_id));
      entries = [...entries, ...fuzzy];
    }
  }
  return entries;
}

/** Entries best match first (unmatched ones, kept for their tags, last). */
function byMatch(entries: readonly Entry[], match: (text: string) => Match | undefined): Entry[] {
  return entries
    .map((e) => ({ e, score: match(e.text)?.score ?? 0 }))
    .sort((a, b) => b.score - a.score)
    .map((x) => x.e);
}

/** A tag's identity among the candidates: its repository's id and its name. */
const tagRef = (repositoryId: string, name: string) => `${repositoryId}:${name}`;

/**
 * Tags as candidates: those of the best-matching repositories (their `repository:tag` text
 * contains the repository's match; with `tagPrefix`, only tags starting with it), and those
 * whose name matched, best names first — within {@link CANDIDATES} tags in all.
 */
async function tagCandidates(
  db: Kysely<Schema>,
  repositories: readonly Entry[],
  names: readonly Entry[],
  limit: number,
  tagPrefix?: string,
): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const top = repositories.slice(0, limit);
  const perRepository = Math.max(1, Math.min(limit, Math.floor(CANDIDATES / Math.max(1, top.length))));
  // Each repository's first tags in natural order, all in one statement (one round trip): a
  // `union all` of per-repository ranges on the unique (repository, sort key, name) index.
  const prefix = tagPrefix ? sql` and name >= ${tagPrefix} and name < ${`${tagPrefix}\uffff`}` : sql``;
  const ranges = top.map(
    (repo, i) => sql`select * from (select name, digest, sort_key, ${sql.lit(i)} as repository
      from tags where repository_id = ${repo.ref_id}${prefix} order by sort_key, name limit ${perRepository}) as ${sql.id(`r${i}`)}`,
  );
  const firstTags =
    ranges.length === 0
      ? []
      : (
          await sql<{ name: string; digest: string | null; repository: number }>`
            select name, digest, repository from (${sql.join(ranges, sql` union all `)}) as firsts
            order by repository, sort_key, name`.execute(db)
        ).rows;
  for (const t of firstTags) {
    const repo = top[Number(t.repository)];
    if (repo)
      out.push({
        kind: 'tag',
        ref_id: tagRef(repo.ref_id, t.name),
        connector_id: repo.connector_id,
        text: `${repo.text}:${t.name}`,
        digest: t.digest,
      });
  }
  const reached = new Set(out.map((c) => c.ref_id));
  let budget = CANDIDATES;
  for (const name of names.slice(0, Math.max(limit, 20))) {
    if (budget <= 0) break;
    // Through the connector's repositories in natural order, each probed on its unique
    // (repository, sort key, name) index: tags have no index by name (it would slow every
    // sync's inserts).
    const sortKey = naturalSortKey(name.text, { latestFirst: true });
    const rows =
      engineOf(db) === 'postgres'
        ? await postgresTagsNamed(db, name.connector_id, sortKey, name.text, budget)
        : await db
            .selectFrom('repositories')
            .innerJoin('tags', 'tags.repository_id', 'repositories.id')
            .select(['tags.repository_id', 'tags.name', 'tags.digest', 'repositories.name as repository'])
            .where('repositories.connector_id', '=', name.connector_id)
            .where('tags.sort_key', '=', sortKey)
            .where('tags.name', '=', name.text)
            .orderBy('repositories.sort_key')
            .orderBy('repositories.name')
            .limit(budget)
            .execute();
    budget -= rows.length;
    for (const t of rows) {
      // Reached through its repository's match already (`x/stable:stable` for "stable").
      const ref = tagRef(t.repository_id, t.name);
      if (reached.has(ref)) continue;
      reached.add(ref);
      out.push({
        kind: 'tag',
        ref_id: ref,
        connector_id: name.connector_id,
        text: `${t.repository}:${t.name}`,
        digest: t.digest,
      });
    }
  }
  return out;
}

/**
 * Search over the owner's catalog. The index holds repositories and the distinct tag names of
 * each connector (not every tag, which keeps a sync's writes small): substring matches through
 * the FTS5 trigram index (no table scan), fuzzy ones sharing trigrams when those are few; tags
 * come in through their repository's match or their name's. A `repository:tag` query matches
 * the repository part and tags starting with the tag part. Ranked exact › prefix › word ›
 * substring › fuzzy, repositories before their tags.
 */
export async function searchCatalog(
  db: Kysely<Schema>,
  ownerId: string,
  query: string,
  limit: number,
): Promise<SearchItem[]> {
  const q = query.trim();
  if (q.length === 0) return [];
  const colon = q.lastIndexOf(':');
  let entries: Entry[];
  let tagPrefix: string | undefined;
  if (colon > 0) {
    entries = await matchingEntries(db, ownerId, q.slice(0, colon), limit, ['repository']);
    tagPrefix = q.slice(colon + 1);
  } else {
    entries = await matchingEntries(db, ownerId, colon === 0 ? q.slice(1) : q, limit);
  }
  const match = matcherFor(q);
  const matched = colon > 0 ? matcherFor(q.slice(0, colon)) : match;
  const repositories = byMatch(
    entries.filter((e) => e.kind === 'repository'),
    matched,
  );
  const names = byMatch(
    entries.filter((e) => e.kind !== 'repository'),
    matched,
  );
  // Repositories come before tags of the same score, and no tag scores above an exact match:
  // with `limit` exact repositories, no tag can reach the results, so none is read.
  const exactRepositories = repositories.filter((e) => match(e.text)?.tier === 'exact').length;
  const candidates: Candidate[] = [
    ...repositories.map((e) => ({ ...e, kind: 'repository' as const })),
    ...(exactRepositories >= limit ? [] : await tagCandidates(db, repositories, names, limit, tagPrefix)),
  ];
  const ranked = candidates
    .map((c) => ({ c, m: match(c.text) }))
    .filter((x): x is { c: Candidate; m: Match } => x.m !== undefined)
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
  return ranked.flatMap(({ c, m }) => {
    const connector = connectors.get(c.connector_id);
    if (!connector) return [];
    const at = c.kind === 'tag' ? c.text.lastIndexOf(':') : -1;
    return [
      {
        source: 'connected' as const,
        platform: connector.platform,
        connectorId: connector.id,
        connectorName: connector.name,
        repository: at >= 0 ? c.text.slice(0, at) : c.text,
        ...(at >= 0 ? { tag: c.text.slice(at + 1) } : {}),
        ...(c.digest ? { digest: c.digest } : {}),
        match: m.tier,
      },
    ];
  });
}
