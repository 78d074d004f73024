import { useEffect, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import type { Connector, DiffSide, DiffState, ImageDiff } from '../api/types';
import { EmptyState, ErrorAlert, Spinner } from '../components/feedback';
import { PlatformMark, platformName } from '../components/platform-mark';
import { diffPath, parseDiffSearch, swapped } from '../diff/diff-route';
import { formatDelta, TYPE_FILTERS, type TypeFilter } from '../diff/file-changes';
import { FilesPanel, type ChangeFilter } from '../diff/files-panel';
import { ConfigPanel, DockerfilePanel, LayersPanel, PackagesPanel } from '../diff/more-panels';
import { useDiff } from '../diff/use-diff';
import { formatBytes, formatPlatform, plural, shortDigest } from '../format';
import { imagePath, imageSpec, type ImageAddress } from '../image-route';
import { Link, navigate, useLocation } from '../router';
import { useTitle } from '../session';

const TABS = [
  ['files', 'Files'],
  ['packages', 'Packages'],
  ['config', 'Config'],
  ['layers', 'Layers'],
  ['dockerfile', 'Dockerfile'],
] as const;
type TabId = (typeof TABS)[number][0];
const CHANGES: readonly ChangeFilter[] = ['all', 'added', 'removed', 'modified'];
const TYPES: readonly TypeFilter[] = TYPE_FILTERS.map(([id]) => id);

const refText = (a: ImageAddress) => `${a.repository}${a.reference.includes(':') ? '@' : ':'}${a.reference}`;

function Progress({ state }: { state: DiffState | undefined }) {
  const done = state?.progress?.sidesDone ?? 0;
  const total = state?.progress?.sidesTotal ?? 2;
  const ratio = total ? done / total : 0;
  return (
    <section className="card analysing" aria-live="polite" data-progress={state?.status ?? 'requesting'}>
      <div className="analysing-head">
        <Spinner
          label={
            !state || state.status === 'queued' ? 'Waiting for the analyser…' : 'Comparing the two images…'
          }
        />
        <span className="muted">Each image is analysed once; layers they share are read only once.</span>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label="Comparison progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(ratio * 100)}
      >
        <span style={{ width: `${Math.max(2, ratio * 100)}%` }} />
      </div>
      <p className="analysing-facts">
        <strong>
          {done} of {plural(total, 'image')} analysed
        </strong>
      </p>
    </section>
  );
}

function SideCard({
  label,
  address,
  platform,
  side,
  connector,
}: {
  label: 'A' | 'B';
  address: ImageAddress;
  platform: string | undefined;
  side: DiffSide | undefined;
  connector: Connector | undefined;
}) {
  const isPublic = address.source === 'public';
  const to = imagePath(address) + (platform ? `?platform=${encodeURIComponent(platform)}` : '');
  return (
    <div className={`diff-side side-${label.toLowerCase()}`} data-side={label}>
      <div className="diff-side-title">
        <span className={`side-label label-${label.toLowerCase()}`} aria-hidden="true">
          {label}
        </span>
        <PlatformMark platform={isPublic ? 'dockerhub' : (connector?.platform ?? 'generic')} size={30} />
        <div className="image-title-text">
          <Link to={to} className="diff-side-ref mono" aria-label={`${label}: ${refText(address)}`}>
            {address.repository}
            <span className="image-tag">
              {address.reference.includes(':') ? '@' : ':'}
              {address.reference}
            </span>
          </Link>
          <p className="muted">
            {isPublic
              ? 'Public image on Docker Hub'
              : connector
                ? `${platformName(connector.platform)} · ${connector.name}`
                : ' '}
          </p>
        </div>
      </div>
      {side && (
        <dl className="side-facts">
          <div>
            <dt>Digest</dt>
            <dd>
              <code className="digest-full" title={side.manifestDigest}>
                {shortDigest(side.manifestDigest)}
              </code>
            </dd>
          </div>
          <div>
            <dt>Platform</dt>
            <dd>{formatPlatform(side.platform)}</dd>
          </div>
          <div>
            <dt>Size</dt>
            <dd title="Uncompressed, on disk">{formatBytes(side.sizeUncompressed)}</dd>
          </div>
          <div>
            <dt>OS</dt>
            <dd title={side.os ?? undefined}>{side.os ?? 'unknown'}</dd>
          </div>
          <div>
            <dt>Layers</dt>
            <dd>{side.layerCount}</dd>
          </div>
        </dl>
      )}
    </div>
  );
}

function Card({
  name,
  label,
  value,
  tone,
  sub,
  to,
}: {
  name: string;
  label: string;
  value: ReactNode;
  tone?: string;
  sub?: ReactNode;
  to?: string;
}) {
  const body = (
    <>
      <span className="stat-label">{label}</span>
      <span className={`stat-value${tone ? ` tone-${tone}` : ''}`}>{value}</span>
      {sub && <span className="stat-sub muted">{sub}</span>}
    </>
  );
  return to ? (
    <Link to={to} className="stat-card card" data-stat={name}>
      {body}
    </Link>
  ) : (
    <div className="stat-card card" data-stat={name}>
      {body}
    </div>
  );
}

function Summary({ diff, link }: { diff: ImageDiff; link: (view: Record<string, string | null>) => string }) {
  const s = diff.summary;
  const layers = Math.max(diff.left.layerCount, diff.right.layerCount);
  return (
    <section className="stat-grid" aria-label="Summary">
      <Card
        name="size"
        label="Size"
        value={formatDelta(s.sizeDelta)}
        tone={s.sizeDelta > 0 ? 'up' : s.sizeDelta < 0 ? 'down' : undefined}
        sub={
          <>
            {formatBytes(diff.left.sizeUncompressed)} → {formatBytes(diff.right.sizeUncompressed)}
            {s.sizeDeltaCompressed !== undefined && <> · pull {formatDelta(s.sizeDeltaCompressed)}</>}
          </>
        }
      />
      <Card
        name="added"
        label="Files added"
        value={s.filesAdded.toLocaleString('en')}
        tone={s.filesAdded ? 'add' : undefined}
        to={link({ tab: null, change: 'added' })}
      />
      <Card
        name="removed"
        label="Files removed"
        value={s.filesRemoved.toLocaleString('en')}
        tone={s.filesRemoved ? 'del' : undefined}
        to={link({ tab: null, change: 'removed' })}
      />
      <Card
        name="modified"
        label="Files modified"
        value={s.filesModified.toLocaleString('en')}
        tone={s.filesModified ? 'mod' : undefined}
        to={link({ tab: null, change: 'modified' })}
      />
      <Card
        name="packages"
        label="Packages"
        value={
          s.packagesAdded + s.packagesRemoved + s.packagesChanged === 0
            ? 'same'
            : `${s.packagesChanged} changed`
        }
        sub={`${s.packagesAdded} added · ${s.packagesRemoved} removed`}
        to={link({ tab: 'packages', change: null })}
      />
      <Card
        name="layers"
        label="Shared layers"
        value={`${s.sharedLayers} of ${layers}`}
        sub={s.sharedLayers ? 'pulled once for both' : 'no common base'}
        to={link({ tab: 'layers', change: null })}
      />
      <Card
        name="config"
        label="Config"
        value={diff.config.length === 0 ? 'same' : plural(diff.config.length, 'change')}
        tone={diff.config.length ? 'mod' : undefined}
        to={link({ tab: 'config', change: null })}
      />
    </section>
  );
}

/**
 * The Diff page: two images side by side — summary, file changes with unified diffs, packages,
 * config, layers and both Dockerfiles. The address names both images (`/diff?a=…&b=…`), so it
 * reloads, shares and goes back and forward like any page; view state (tab, filters) rides along.
 */
export function DiffPage() {
  const { search } = useLocation();
  const address = parseDiffSearch(search);
  const tabParam = search.get('tab');
  const tab: TabId = TABS.some(([id]) => id === tabParam) ? (tabParam as TabId) : 'files';
  const changeParam = search.get('change') as ChangeFilter | null;
  const change: ChangeFilter = changeParam && CHANGES.includes(changeParam) ? changeParam : 'all';
  const typeParam = search.get('type') as TypeFilter | null;
  const type: TypeFilter = typeParam && TYPES.includes(typeParam) ? typeParam : 'all';
  const query = search.get('q') ?? '';
  const file = search.get('file') ?? '';
  const [attempt, setAttempt] = useState(0);
  const [connectors, setConnectors] = useState<ReadonlyMap<string, Connector>>(new Map());
  const view = useDiff(
    address ? imageSpec(address.a, address.ap ?? null) : undefined,
    address ? imageSpec(address.b, address.bp ?? null) : undefined,
    attempt,
  );
  useTitle(address ? `${refText(address.a)} ↔ ${refText(address.b)}` : 'Compare images');

  const sourceA = address?.a.source ?? '';
  const sourceB = address?.b.source ?? '';
  useEffect(() => {
    let alive = true;
    // Names for the header only: a missing connector is reported by the diff request itself.
    for (const id of new Set([sourceA, sourceB]))
      if (id && id !== 'public')
        void api.connector(id).then(
          (c) => alive && setConnectors((prev) => new Map(prev).set(id, c)),
          () => undefined,
        );
    return () => {
      alive = false;
    };
  }, [sourceA, sourceB]);

  if (!address)
    return (
      <div className="page">
        <EmptyState
          title="Pick two images to compare"
          action={
            <Link to="/" className="btn btn-primary">
              Browse your images
            </Link>
          }
        >
          Open an image version and choose <strong>Compare with…</strong> to see what changed between it and
          another version: files, packages, configuration, layers and the Dockerfile.
        </EmptyState>
      </div>
    );

  const current = {
    tab: tab === 'files' ? null : tab,
    change: change === 'all' ? null : change,
    type: type === 'all' ? null : type,
    q: query || null,
    file: file || null,
  };
  const link = (changes: Record<string, string | null>) => diffPath(address, { ...current, ...changes });
  const setView = (changes: { change?: ChangeFilter; type?: TypeFilter; q?: string; file?: string }) =>
    navigate(
      diffPath(address, {
        ...current,
        ...(changes.change ? { change: changes.change === 'all' ? null : changes.change } : {}),
        ...(changes.type ? { type: changes.type === 'all' ? null : changes.type } : {}),
        ...(changes.q !== undefined ? { q: changes.q || null } : {}),
        ...(changes.file !== undefined ? { file: changes.file || null } : {}),
      }),
      { replace: true, keepScroll: true },
    );
  const diff = view.kind === 'done' ? view.diff : undefined;
  const counts: Partial<Record<TabId, number>> = diff
    ? {
        files: diff.summary.filesAdded + diff.summary.filesRemoved + diff.summary.filesModified,
        packages: diff.summary.packagesAdded + diff.summary.packagesRemoved + diff.summary.packagesChanged,
        config: diff.config.length,
      }
    : {};

  return (
    <div className="page diff-page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to="/">Home</Link>
        <span aria-hidden="true">›</span>
        <span aria-current="page">Compare images</span>
      </nav>
      <header className="card diff-head">
        <SideCard
          label="A"
          address={address.a}
          platform={address.ap}
          side={diff?.left}
          connector={connectors.get(address.a.source)}
        />
        <div className="diff-head-mid">
          <span className="diff-arrow" aria-hidden="true">
            →
          </span>
          <Link to={diffPath(swapped(address))} className="btn btn-sm" aria-label="Swap A and B">
            ⇄ Swap
          </Link>
        </div>
        <SideCard
          label="B"
          address={address.b}
          platform={address.bp}
          side={diff?.right}
          connector={connectors.get(address.b.source)}
        />
      </header>

      {(view.kind === 'requesting' || view.kind === 'computing') && (
        <Progress state={view.kind === 'computing' ? view.state : undefined} />
      )}
      {view.kind === 'failed' && (
        <section className="card failed">
          <ErrorAlert title="These images could not be compared">{view.detail}</ErrorAlert>
          <button type="button" className="btn" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </section>
      )}

      {diff && view.kind === 'done' && (
        <>
          {diff.left.manifestDigest === diff.right.manifestDigest && (
            <p className="same-note muted" role="status">
              A and B are the same image (one manifest digest): nothing differs.
            </p>
          )}
          <Summary diff={diff} link={link} />
          <nav className="tabs profile-tabs" aria-label="Diff sections">
            {TABS.map(([id, label]) => (
              <Link
                key={id}
                to={link({ tab: id === 'files' ? null : id })}
                className={`tab${tab === id ? ' is-active' : ''}`}
                aria-current={tab === id ? 'page' : undefined}
                data-tab={id}
              >
                {label}
                {counts[id] !== undefined && (
                  <span className="tab-count">{counts[id].toLocaleString('en')}</span>
                )}
              </Link>
            ))}
          </nav>
          <div className="tab-body" data-panel={tab}>
            {tab === 'files' && (
              <FilesPanel
                key={view.id}
                diffId={view.id}
                diff={diff}
                change={change}
                type={type}
                query={query}
                file={file}
                onView={setView}
              />
            )}
            {tab === 'packages' && <PackagesPanel diff={diff} />}
            {tab === 'config' && <ConfigPanel diff={diff} />}
            {tab === 'layers' && <LayersPanel diff={diff} />}
            {tab === 'dockerfile' && <DockerfilePanel diff={diff} />}
          </div>
        </>
      )}
    </div>
  );
}
