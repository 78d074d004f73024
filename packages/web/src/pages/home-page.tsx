import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { api, errorSentence } from '../api/client';
import type { Page, Repository, Tag, TreeConnector, TreePlatform } from '../api/types';
import { EmptyState, ErrorAlert, Spinner, StatusPill } from '../components/feedback';
import { BoxIcon, ChevronIcon, LayersIcon, RefreshIcon, SearchIcon } from '../components/icons';
import { PlatformMark, platformName } from '../components/platform-mark';
import { formatBytes, formatPlatform, formatRelative, plural, shortDigest } from '../format';
import { imagePath } from '../image-route';
import { Link, useLocation } from '../router';
import { useTitle } from '../session';
import { syncProgressText, useSync } from '../use-sync';

const REPOSITORY_PAGE = 50;
const TAG_PAGE = 25;
const REFRESH_MS = 1500;

interface Level<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
  readonly loading: boolean;
  readonly error: string;
}

/**
 * What is open and what was loaded survives leaving the page (a version's profile, then
 * Back), for this tab's lifetime: module state, not the server's.
 */
const memory = {
  expanded: new Set<string>(),
  repositories: new Map<string, Level<Repository>>(),
  tags: new Map<string, Level<Tag>>(),
  filters: new Map<string, string>(),
};

const tagKey = (connectorId: string, repository: string) => `${connectorId}\n${repository}`;

function useLevels<T>(
  store: Map<string, Level<T>>,
  fetchPage: (key: string, cursor: string | undefined) => Promise<Page<T>>,
) {
  const [, setVersion] = useState(0);
  const rerender = () => setVersion((v) => v + 1);
  const generation = useRef(new Map<string, number>());
  const load = useCallback(
    (key: string, more: boolean) => {
      const current = store.get(key);
      const cursor = more ? (current?.nextCursor ?? undefined) : undefined;
      const gen = (generation.current.get(key) ?? 0) + 1;
      generation.current.set(key, gen);
      store.set(key, {
        items: more ? (current?.items ?? []) : (current?.items ?? []),
        nextCursor: current?.nextCursor ?? null,
        loading: true,
        error: '',
      });
      rerender();
      fetchPage(key, cursor)
        .then((page) => {
          if (generation.current.get(key) !== gen) return;
          store.set(key, {
            items: more ? [...(store.get(key)?.items ?? []), ...page.items] : page.items,
            nextCursor: page.nextCursor,
            loading: false,
            error: '',
          });
          rerender();
        })
        .catch((e: unknown) => {
          if (generation.current.get(key) !== gen) return;
          store.set(key, {
            ...(store.get(key) ?? { items: [], nextCursor: null }),
            loading: false,
            error: errorSentence(e),
          });
          rerender();
        });
    },
    // `store` is module state and `fetchPage` reads what it needs at call time: one loader per page.
    [],
  );
  return load;
}

/** ↑/↓ move between the tree's rows, → opens, ← closes or goes to the parent. */
function onTreeKeyDown(e: KeyboardEvent<HTMLElement>) {
  const focusables = [...e.currentTarget.querySelectorAll<HTMLElement>('[data-nav]')];
  const at = focusables.indexOf(document.activeElement as HTMLElement);
  if (at < 0) return;
  const current = focusables[at];
  const expanded = current?.getAttribute('aria-expanded');
  let next: HTMLElement | undefined | null;
  if (e.key === 'ArrowDown') next = focusables[at + 1];
  else if (e.key === 'ArrowUp') next = focusables[at - 1];
  else if (e.key === 'Home') next = focusables[0];
  else if (e.key === 'End') next = focusables.at(-1);
  else if (e.key === 'ArrowRight' && expanded === 'false') {
    current?.click();
  } else if (e.key === 'ArrowRight' && expanded === 'true') next = focusables[at + 1];
  else if (e.key === 'ArrowLeft' && expanded === 'true') current?.click();
  else if (e.key === 'ArrowLeft')
    next = current
      ?.closest('[data-node]')
      ?.parentElement?.closest('[data-node]')
      ?.querySelector('[data-nav]');
  else return;
  e.preventDefault();
  next?.focus();
}

function Toggle({
  id,
  open,
  onToggle,
  children,
  label,
}: {
  id: string;
  open: boolean;
  onToggle: () => void;
  children: ReactNode;
  label: string;
}) {
  return (
    <button
      type="button"
      className="tree-toggle"
      aria-expanded={open}
      aria-controls={id}
      aria-label={`${open ? 'Collapse' : 'Expand'} ${label}`}
      data-nav
      onClick={onToggle}
    >
      <ChevronIcon className={`twisty${open ? ' is-open' : ''}`} size={14} />
      {children}
    </button>
  );
}

function LoadMore({ label, loading, onClick }: { label: string; loading: boolean; onClick: () => void }) {
  return (
    <div className="tree-more">
      <button type="button" className="btn btn-sm btn-plain" onClick={onClick} disabled={loading} data-nav>
        {loading ? 'Loading…' : label}
      </button>
    </div>
  );
}

function Versions({
  connectorId,
  repository,
  level,
  onMore,
}: {
  connectorId: string;
  repository: string;
  level: Level<Tag> | undefined;
  onMore: () => void;
}) {
  if (!level || (level.loading && level.items.length === 0)) return <Spinner label="Loading versions…" />;
  if (level.error) return <ErrorAlert>{level.error}</ErrorAlert>;
  if (level.items.length === 0)
    return <p className="tree-empty">No versions: this repository has no tags. Push one, then sync.</p>;
  return (
    <>
      <table className="versions">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Digest</th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">Pushed</th>
            <th scope="col">Platforms</th>
          </tr>
        </thead>
        <tbody>
          {level.items.map((tag) => (
            <tr key={tag.name} data-version={tag.name}>
              <td>
                <Link
                  to={imagePath({ source: connectorId, repository, reference: tag.name })}
                  className="version-link"
                  data-nav
                >
                  {tag.name}
                </Link>
              </td>
              <td>
                <code className="digest" title={tag.digest ?? undefined}>
                  {shortDigest(tag.digest)}
                </code>
              </td>
              <td className="num">{formatBytes(tag.size)}</td>
              <td title={tag.pushedAt ?? undefined}>{tag.pushedAt ? formatRelative(tag.pushedAt) : '—'}</td>
              <td>
                <span className="chips">
                  {tag.platforms.length === 0 && <span className="muted">—</span>}
                  {tag.platforms.map((p) => (
                    <span key={p.digest} className="chip">
                      {formatPlatform(p)}
                    </span>
                  ))}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {level.nextCursor && <LoadMore label="Load more versions" loading={level.loading} onClick={onMore} />}
    </>
  );
}

function ConnectorNode({
  connector,
  expanded,
  toggle,
  focusRepository,
  loadRepositories,
  loadTags,
  onSynced,
}: {
  connector: TreeConnector;
  expanded: (key: string) => boolean;
  toggle: (key: string, onOpen?: () => void) => void;
  focusRepository: string | undefined;
  loadRepositories: (key: string, more: boolean) => void;
  loadTags: (key: string, more: boolean) => void;
  onSynced: () => void;
}) {
  const key = `c:${connector.id}`;
  const open = expanded(key);
  const [sync, startSync] = useSync(connector.id, () => {
    onSynced();
    loadRepositories(connector.id, false);
  });
  const [filter, setFilter] = useState(() => memory.filters.get(connector.id) ?? '');
  const firstFilter = useRef(true);
  useEffect(() => {
    if (firstFilter.current) {
      firstFilter.current = false;
      return;
    }
    memory.filters.set(connector.id, filter);
    const timer = window.setTimeout(() => loadRepositories(connector.id, false), 200);
    return () => window.clearTimeout(timer);
  }, [filter, connector.id, loadRepositories]);
  useEffect(() => {
    if (focusRepository !== undefined) setFilter(focusRepository);
  }, [focusRepository]);

  const level = memory.repositories.get(connector.id);
  const syncing = sync.kind === 'running' || connector.status === 'syncing' || connector.status === 'pending';
  const groupId = `group-${connector.id}`;

  return (
    <li className="tree-node" data-node data-connector={connector.name}>
      <div className="tree-row row-connector">
        <Toggle
          id={groupId}
          open={open}
          label={connector.name}
          onToggle={() => toggle(key, () => loadRepositories(connector.id, false))}
        >
          <span className="tree-name strong">{connector.name}</span>
        </Toggle>
        <StatusPill status={sync.kind === 'running' ? 'syncing' : connector.status} />
        <span className="tree-meta">{plural(connector.repositoryCount, 'repository', 'repositories')}</span>
        <span className="tree-meta hide-narrow" title={connector.lastSyncAt ?? undefined}>
          synced {formatRelative(connector.lastSyncAt)}
        </span>
        <span className="tree-actions">
          {sync.kind === 'running' ? (
            <Spinner label={syncProgressText(sync.job)} />
          ) : (
            <button
              type="button"
              className="btn btn-sm"
              onClick={startSync}
              disabled={syncing}
              aria-label={`Sync ${connector.name} now`}
            >
              <RefreshIcon /> Sync now
            </button>
          )}
        </span>
      </div>
      {sync.kind === 'failed' && (
        <div className="tree-note">
          <ErrorAlert>{sync.detail}</ErrorAlert>
        </div>
      )}
      {sync.kind !== 'failed' && connector.status === 'error' && connector.lastError && (
        <div className="tree-note">
          <ErrorAlert title="The last sync failed">{connector.lastError}</ErrorAlert>
        </div>
      )}
      {open && (
        <div id={groupId} className="tree-children">
          {(connector.repositoryCount > 10 || filter) && (
            <label className="tree-filter">
              <SearchIcon />
              <input
                type="search"
                placeholder={`Filter ${plural(connector.repositoryCount, 'repository', 'repositories')}`}
                aria-label={`Filter the repositories of ${connector.name}`}
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
              />
            </label>
          )}
          {(!level || (level.loading && level.items.length === 0)) && (
            <Spinner label="Loading repositories…" />
          )}
          {level?.error && <ErrorAlert>{level.error}</ErrorAlert>}
          {level && !level.loading && !level.error && level.items.length === 0 && (
            <p className="tree-empty">
              {filter
                ? `No repository matches “${filter}”.`
                : syncing
                  ? 'Berth is reading this registry’s catalog; repositories appear here in a moment.'
                  : 'No repositories found. If this registry does not let Berth list its catalog, name your repositories in the connector’s settings.'}
              {!filter && !syncing && (
                <>
                  {' '}
                  <Link to={`/connectors/${encodeURIComponent(connector.id)}/edit`}>Open settings</Link>
                </>
              )}
            </p>
          )}
          {level && level.items.length > 0 && (
            <ul className="tree-group">
              {level.items.map((repo) => {
                const rKey = `r:${tagKey(connector.id, repo.name)}`;
                const rOpen = expanded(rKey);
                const rGroup = `group-${connector.id}-${repo.name}`;
                return (
                  <li key={repo.name} className="tree-node" data-node data-repository={repo.name}>
                    <div
                      className={`tree-row row-repository${focusRepository === repo.name ? ' is-focus' : ''}`}
                    >
                      <Toggle
                        id={rGroup}
                        open={rOpen}
                        label={repo.name}
                        onToggle={() => toggle(rKey, () => loadTags(tagKey(connector.id, repo.name), false))}
                      >
                        <BoxIcon className="tree-icon" />
                        <span className="tree-name">{repo.name}</span>
                      </Toggle>
                      <span className="tree-meta">{plural(repo.tagCount, 'version')}</span>
                      <span className="tree-meta hide-narrow">
                        {repo.lastPushedAt ? `pushed ${formatRelative(repo.lastPushedAt)}` : ''}
                      </span>
                    </div>
                    {rOpen && (
                      <div id={rGroup} className="tree-children tree-versions">
                        <Versions
                          connectorId={connector.id}
                          repository={repo.name}
                          level={memory.tags.get(tagKey(connector.id, repo.name))}
                          onMore={() => loadTags(tagKey(connector.id, repo.name), true)}
                        />
                      </div>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
          {level?.nextCursor && (
            <LoadMore
              label="Load more repositories"
              loading={level.loading}
              onClick={() => loadRepositories(connector.id, true)}
            />
          )}
        </div>
      )}
    </li>
  );
}

/** Home: the Connected Registries tab — Platform › Connector › Repository › Version. */
export function HomePage() {
  useTitle('Connected Registries');
  const { search } = useLocation();
  const focusConnector = search.get('connector') ?? undefined;
  const focusRepository = search.get('repository') ?? undefined;
  const [tree, setTree] = useState<TreePlatform[] | undefined>();
  const [error, setError] = useState('');
  const [, setVersion] = useState(0);

  const loadTree = useCallback(() => {
    api
      .tree()
      .then((t) => {
        setTree(t);
        setError('');
      })
      .catch((e: unknown) => setError(errorSentence(e)));
  }, []);
  useEffect(loadTree, [loadTree]);

  const loadRepositories = useLevels(memory.repositories, (connectorId, cursor) =>
    api.repositories(connectorId, {
      limit: REPOSITORY_PAGE,
      ...(cursor ? { cursor } : {}),
      q: memory.filters.get(connectorId) ?? '',
    }),
  );
  const loadTags = useLevels(memory.tags, (key, cursor) => {
    const [connectorId = '', repository = ''] = key.split('\n');
    return api.tags(connectorId, repository, { limit: TAG_PAGE, ...(cursor ? { cursor } : {}) });
  });

  const expanded = (key: string) =>
    memory.expanded.has(key) || (key.startsWith('p:') && !memory.expanded.has(`!${key}`));
  const toggle = (key: string, onOpen?: () => void) => {
    const isPlatform = key.startsWith('p:');
    if (expanded(key)) {
      if (isPlatform) memory.expanded.add(`!${key}`);
      else memory.expanded.delete(key);
    } else {
      if (isPlatform) memory.expanded.delete(`!${key}`);
      else memory.expanded.add(key);
      onOpen?.();
    }
    setVersion((v) => v + 1);
  };

  // A search result for a repository of yours lands here: open its connector, filtered to it.
  useEffect(() => {
    if (!focusConnector || !focusRepository) return;
    memory.filters.set(focusConnector, focusRepository);
    memory.expanded.add(`c:${focusConnector}`);
    memory.expanded.add(`r:${tagKey(focusConnector, focusRepository)}`);
    loadRepositories(focusConnector, false);
    loadTags(tagKey(focusConnector, focusRepository), false);
  }, [focusConnector, focusRepository, loadRepositories, loadTags]);

  // Reload levels whose connector finished a sync since they were loaded, and keep the tree
  // fresh while any connector is syncing.
  const lastSync = useRef(new Map<string, string | null>());
  useEffect(() => {
    for (const c of tree?.flatMap((p) => p.connectors) ?? []) {
      const before = lastSync.current.get(c.id);
      lastSync.current.set(c.id, c.lastSyncAt);
      if (before !== undefined && before !== c.lastSyncAt && memory.expanded.has(`c:${c.id}`))
        loadRepositories(c.id, false);
    }
  }, [tree, loadRepositories]);
  const busy = tree?.some((p) => p.connectors.some((c) => c.status === 'pending' || c.status === 'syncing'));
  useEffect(() => {
    if (!busy) return;
    const timer = window.setInterval(loadTree, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [busy, loadTree]);

  const connectorCount = tree?.reduce((n, p) => n + p.connectors.length, 0) ?? 0;
  const repositoryCount =
    tree?.reduce((n, p) => n + p.connectors.reduce((m, c) => m + c.repositoryCount, 0), 0) ?? 0;

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Your images</h1>
          <p className="muted">
            Browse every registry you connected. Open a version to see its Container Profile.
          </p>
        </div>
        <Link to="/connectors/new" className="btn">
          Add connector
        </Link>
      </div>
      <div className="tabs" role="tablist" aria-label="Image sources">
        <span role="tab" aria-selected="true" className="tab is-active" id="tab-connected" tabIndex={0}>
          <LayersIcon /> Connected Registries
          {tree && <span className="tab-count">{connectorCount}</span>}
        </span>
      </div>
      <section role="tabpanel" aria-labelledby="tab-connected" className="tab-panel">
        {error && <ErrorAlert>{error}</ErrorAlert>}
        {!tree && !error && <Spinner />}
        {tree && tree.length === 0 && (
          <EmptyState
            icon={<LayersIcon size={28} />}
            title="Connect a registry to see your images here"
            action={
              <Link to="/connectors/new" className="btn btn-primary">
                Add connector
              </Link>
            }
          >
            Berth lists the repositories and versions of every registry you connect, grouped by platform. It
            only needs read access.
          </EmptyState>
        )}
        {tree && tree.length > 0 && (
          <>
            <p className="tree-summary">
              {plural(connectorCount, 'connector')} · {plural(repositoryCount, 'repository', 'repositories')}
            </p>
            <ul className="tree" aria-label="Connected registries" onKeyDown={onTreeKeyDown}>
              {tree.map((p) => {
                const key = `p:${p.platform}`;
                const open = expanded(key);
                return (
                  <li key={p.platform} className="tree-node" data-node data-platform={p.platform}>
                    <div className="tree-row row-platform">
                      <Toggle
                        id={`group-${p.platform}`}
                        open={open}
                        label={platformName(p.platform)}
                        onToggle={() => toggle(key)}
                      >
                        <PlatformMark platform={p.platform} size={22} />
                        <span className="tree-name strong">{platformName(p.platform)}</span>
                      </Toggle>
                      <span className="tree-meta">{plural(p.connectors.length, 'connector')}</span>
                    </div>
                    {open && (
                      <ul id={`group-${p.platform}`} className="tree-group tree-children">
                        {p.connectors.map((c) => (
                          <ConnectorNode
                            key={c.id}
                            connector={c}
                            expanded={expanded}
                            toggle={toggle}
                            focusRepository={c.id === focusConnector ? focusRepository : undefined}
                            loadRepositories={loadRepositories}
                            loadTags={loadTags}
                            onSynced={loadTree}
                          />
                        ))}
                      </ul>
                    )}
                  </li>
                );
              })}
            </ul>
          </>
        )}
      </section>
    </div>
  );
}
