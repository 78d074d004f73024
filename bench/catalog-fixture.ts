// The catalog fixture shared by the catalog and API-load benchmarks: a Hub-style metadata API
// and a bare OCI registry API (`_catalog` + HEAD) serving `repos` repositories × `tags` tags
// with stable digests, and the bare listing walk a connector does over them.
import { createHash } from 'node:crypto';
import type { Connector } from '@berth/connectors';
import type { JobRecord } from '@berth/server';
import { startScriptedServer, type ScriptedServer } from '@berth/testkit';

export const repoName = (i: number) =>
  `team-${i % 40}/service-${i}-${['api', 'worker', 'python', 'node', 'web'][i % 5]}`;
export const tagName = (j: number) => (j === 0 ? 'latest' : `v1.${j}.${j % 7}`);
export const digestOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const OCI = 'application/vnd.oci.image.manifest.v1+json';

/**
 * A Hub-style API: token exchange, namespace repositories and tags with metadata, page_size ≤ 100.
 * `latencyMs` delays every answer, as a registry over a real network does (0: loopback speed).
 */
export function hubApi(repoCount: number, tagCount: number, latencyMs = 0): Promise<ScriptedServer> {
  return startScriptedServer((req, res, { url }) => {
    const u = new URL(req.url ?? '/', url);
    const json = (body: unknown) => {
      const text = JSON.stringify(body);
      const send = () => void res.writeHead(200, { 'content-type': 'application/json' }).end(text);
      if (latencyMs > 0) setTimeout(send, latencyMs);
      else send();
    };
    if (req.method === 'POST' && u.pathname === '/v2/auth/token') {
      const payload = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })).toString(
        'base64url',
      );
      return json({ access_token: `x.${payload}.y` });
    }
    const page = Number(u.searchParams.get('page') ?? 1);
    const size = Math.min(100, Number(u.searchParams.get('page_size') ?? 100));
    const tagsMatch = /^\/v2\/namespaces\/bench\/repositories\/([^/]+)\/tags$/.exec(u.pathname);
    if (tagsMatch) {
      const repo = decodeURIComponent(tagsMatch[1] ?? '');
      const all = Array.from({ length: tagCount }, (_, j) => tagName(j));
      const slice = all.slice((page - 1) * size, page * size);
      return json({
        count: all.length,
        next: page * size < all.length ? `${url}${u.pathname}?page=${page + 1}&page_size=${size}` : null,
        results: slice.map((t) => ({
          name: t,
          digest: digestOf(`${repo}:${t}`),
          media_type: OCI,
          full_size: 1000 + t.length,
          tag_last_pushed: '2026-01-01T00:00:00Z',
          images: [],
        })),
      });
    }
    if (u.pathname === '/v2/namespaces/bench/repositories') {
      const slice = Array.from({ length: repoCount }, (_, i) => repoName(i).replace('/', '.')).slice(
        (page - 1) * size,
        page * size,
      );
      return json({
        count: repoCount,
        next: page * size < repoCount ? `${url}${u.pathname}?page=${page + 1}&page_size=${size}` : null,
        results: slice.map((name) => ({ name, namespace: 'bench', last_updated: '2026-01-01T00:00:00Z' })),
      });
    }
    res.writeHead(404).end();
  });
}

/** A bare OCI registry API: `_catalog` (n ≤ 1000, Link), tags/list, HEAD manifests. */
export function registryApi(repoCount: number, tagCount: number): Promise<ScriptedServer> {
  const names = Array.from({ length: repoCount }, (_, i) => repoName(i)).sort();
  return startScriptedServer((req, res, { url }) => {
    const u = new URL(req.url ?? '/', url);
    if (u.pathname === '/v2/') return void res.writeHead(200).end('{}');
    if (u.pathname === '/v2/_catalog') {
      const n = Math.min(1000, Number(u.searchParams.get('n') ?? 1000));
      const last = u.searchParams.get('last');
      const start = last ? names.indexOf(last) + 1 : 0;
      const slice = names.slice(start, start + n);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (start + n < names.length)
        headers.link = `</v2/_catalog?n=${n}&last=${encodeURIComponent(slice.at(-1) ?? '')}>; rel="next"`;
      return void res.writeHead(200, headers).end(JSON.stringify({ repositories: slice }));
    }
    const tags = /^\/v2\/(.+)\/tags\/list$/.exec(u.pathname);
    if (tags)
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ name: tags[1], tags: Array.from({ length: tagCount }, (_, j) => tagName(j)) }));
    const manifest = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(u.pathname);
    if (manifest && req.method === 'HEAD') {
      return void res
        .writeHead(200, {
          'docker-content-digest': digestOf(`${manifest[1]}:${manifest[2]}`),
          'content-type': OCI,
          'content-length': '1234',
        })
        .end();
    }
    res.writeHead(404).end();
  });
}

export async function walk(connector: Connector): Promise<number> {
  let tags = 0;
  let cursor: string | undefined;
  const repos: string[] = [];
  do {
    const page = await connector.listRepositories(cursor);
    repos.push(...page.items.map((r) => r.name));
    cursor = page.next;
  } while (cursor);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < repos.length) {
        const repo = repos[next++] as string;
        let c: string | undefined;
        do {
          const page = await connector.listTags(repo, c);
          tags += page.items.length;
          c = page.next;
        } while (c);
      }
    }),
  );
  return tags;
}

/** The job record a sync handler is called with when a benchmark runs it directly (no queue). */
export function syncJob(ownerId: string, connectorId: string): JobRecord {
  return {
    id: 'bench',
    kind: 'catalog.sync',
    key: `sync:${connectorId}`,
    ownerId,
    connectorId,
    payload: {},
    status: 'running',
    attempts: 1,
    progress: null,
    error: null,
    createdAt: '',
    startedAt: null,
    finishedAt: null,
  };
}

/** Search words of the benchmarks: exact, prefix, word, substring, typo, tag-like and short queries. */
export const SEARCH_WORDS: readonly string[] = [
  'python',
  'worker',
  'service-12',
  'team-7',
  'v1.3',
  'latest',
  'servce-44-api',
  'node',
  'api',
  'web',
  'service-1999',
  'pyth',
  'v1.49.0',
];
