import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import type { Connector, ContainerProfile, ProfileState, Tag } from '../api/types';
import { EmptyState, ErrorAlert, Spinner } from '../components/feedback';
import { LayersIcon } from '../components/icons';
import { PlatformMark, platformName } from '../components/platform-mark';
import { formatBytes, formatPlatform, formatRelative, plural, shortDigest } from '../format';
import { imageSpec, parseImagePath } from '../image-route';
import { FilesTab } from '../profile/files-tab';
import { LayersTab } from '../profile/layers-tab';
import { AdviceTab, DockerfileTab, PackagesTab, SbomButtons, SecurityTab } from '../profile/more-tabs';
import { OverviewTab } from '../profile/overview-tab';
import { useProfile } from '../profile/use-profile';
import { Link, navigate, useLocation } from '../router';
import { useTitle } from '../session';

// The dialog (and the Diff page's route helpers) load when "Compare with…" is first pressed.
const CompareDialog = lazy(() =>
  import('../diff/compare-dialog').then((m) => ({ default: m.CompareDialog })),
);

const TABS = [
  ['overview', 'Overview'],
  ['layers', 'Layers'],
  ['files', 'Files'],
  ['packages', 'Packages'],
  ['security', 'Security'],
  ['advice', 'Advice'],
  ['dockerfile', 'Dockerfile'],
] as const;
type TabId = (typeof TABS)[number][0];

/** The same page with some query parameters changed (tab, platform), kept as a deep link. */
function withParams(
  pathname: string,
  search: URLSearchParams,
  changes: Record<string, string | null>,
): string {
  const next = new URLSearchParams(search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) next.delete(k);
    else next.set(k, v);
  }
  const s = next.toString();
  return s ? `${pathname}?${s}` : pathname;
}

function Progress({ state }: { state: ProfileState | undefined }) {
  const p = state?.progress;
  const ratio =
    p && p.bytesTotal > 0
      ? p.bytesDone / p.bytesTotal
      : p && p.layersTotal
        ? p.layersDone / p.layersTotal
        : 0;
  const queued = !state || state.status === 'queued';
  return (
    <section className="card analysing" aria-live="polite" data-progress={state?.status ?? 'requesting'}>
      <div className="analysing-head">
        <Spinner label={queued ? 'Waiting for the analyser…' : 'Analysing this image…'} />
        <span className="muted">
          The first look reads every layer once; from then on this page opens instantly.
        </span>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label="Analysis progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(ratio * 100)}
      >
        <span style={{ width: `${Math.max(2, ratio * 100)}%` }} />
      </div>
      <p className="analysing-facts">
        {p && p.layersTotal > 0 ? (
          <>
            <strong>
              {p.layersDone} of {plural(p.layersTotal, 'layer')}
            </strong>
            <span className="muted">
              {formatBytes(p.bytesDone)} of {formatBytes(p.bytesTotal)}
            </span>
          </>
        ) : (
          <span className="muted">Reading the manifest…</span>
        )}
      </p>
    </section>
  );
}

function Fact({ name, label, children }: { name: string; label: string; children: ReactNode }) {
  return (
    <div data-fact={name}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function HeaderFacts({
  profile,
  tag,
  platformParam,
  onPlatform,
}: {
  profile: ContainerProfile;
  tag: Tag | undefined;
  platformParam: string | null;
  onPlatform: (platform: string) => void;
}) {
  const { image, overview } = profile;
  const current = formatPlatform(image.platform);
  const platforms = image.platforms.map(formatPlatform);
  return (
    <dl className="facts">
      <Fact name="digest" label="Digest">
        <code
          className="digest-full"
          title={`${image.manifestDigest}${image.indexDigest ? `\nin index ${image.indexDigest}` : ''}`}
        >
          {shortDigest(image.manifestDigest)}
        </code>
      </Fact>
      <Fact name="platform" label="Platform">
        {platforms.length > 1 ? (
          <select
            className="platform-select"
            aria-label="Platform"
            value={platformParam && platforms.includes(platformParam) ? platformParam : current}
            onChange={(e) => onPlatform(e.target.value)}
          >
            {platforms.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        ) : (
          current
        )}
      </Fact>
      <Fact name="size" label="Size">
        <span title="Compressed, as pulled">{formatBytes(overview.sizeCompressed)}</span>
        <span className="faint" title="Uncompressed, on disk">
          {' '}
          / {formatBytes(overview.sizeUncompressed)}
        </span>
      </Fact>
      <Fact name="os" label="OS">
        {overview.os.prettyName ?? overview.os.id ?? 'unknown'}
      </Fact>
      <Fact name="created" label="Created">
        <span title={overview.created ?? undefined}>{formatRelative(overview.created)}</span>
      </Fact>
      <Fact name="layers" label="Layers">
        {overview.layerCount} <span className="faint">· {plural(overview.fileCount, 'file')}</span>
      </Fact>
      {tag?.pushedAt && (
        <Fact name="pushed" label="Pushed">
          <span title={tag.pushedAt}>{formatRelative(tag.pushedAt)}</span>
        </Fact>
      )}
    </dl>
  );
}

/**
 * The Container Profile page: what is inside one image version. The first visit starts the
 * analysis and shows its progress; every tab is a deep link (`?tab=files`), and so is the
 * platform of a multi-arch image (`?platform=linux/arm64`).
 */
export function ProfilePage() {
  const { pathname, search } = useLocation();
  const address = parseImagePath(pathname);
  const isPublic = address?.source === 'public';
  const platformParam = search.get('platform');
  const tabParam = search.get('tab');
  const tab: TabId = TABS.some(([id]) => id === tabParam) ? (tabParam as TabId) : 'overview';
  const [connector, setConnector] = useState<Connector | undefined>();
  const [tag, setTag] = useState<Tag | undefined>();
  const [attempt, setAttempt] = useState(0);
  const [comparing, setComparing] = useState(false);
  const view = useProfile(address ? imageSpec(address, platformParam) : undefined, attempt);
  const sep = address?.reference.includes(':') ? '@' : ':';
  const title = address ? `${address.repository}${sep}${address.reference}` : '';
  useTitle(
    title ? `${title}${tab === 'overview' ? '' : ` · ${TABS.find(([id]) => id === tab)?.[1]}`}` : 'Image',
  );

  const source = address?.source ?? '';
  const repository = address?.repository ?? '';
  const reference = address?.reference ?? '';
  useEffect(() => {
    if (!source || source === 'public') return;
    let alive = true;
    // The connector's name and the version's push time: nice to have, so failures stay quiet
    // (the profile request reports a missing connector or version itself).
    void api.connector(source).then(
      (c) => alive && setConnector(c),
      () => undefined,
    );
    void api.tag(source, repository, reference).then(
      (t) => alive && setTag(t),
      () => undefined,
    );
    return () => {
      alive = false;
    };
  }, [source, repository, reference]);

  if (!address)
    return (
      <div className="page">
        <EmptyState
          title="This is not an image address"
          action={
            <Link to="/" className="btn btn-primary">
              Go home
            </Link>
          }
        />
      </div>
    );

  const profile = view.kind === 'done' ? view.profile : undefined;
  const runsAsRoot = profile?.overview.runsAsRoot;
  const tabLink = (id: TabId) => withParams(pathname, search, { tab: id === 'overview' ? null : id });

  return (
    <div className="page profile-page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to="/">Home</Link>
        <span aria-hidden="true">›</span>
        {isPublic ? (
          <span>Public images</span>
        ) : (
          <Link
            to={`/?${new URLSearchParams({ connector: address.source, repository: address.repository }).toString()}`}
          >
            {connector?.name ?? 'Connector'}
          </Link>
        )}
        <span aria-hidden="true">›</span>
        <span aria-current="page">{address.repository}</span>
      </nav>
      <header className="image-head card">
        <div className="image-title">
          <PlatformMark platform={isPublic ? 'dockerhub' : (connector?.platform ?? 'generic')} size={44} />
          <div className="image-title-text">
            <h1 className="image-ref">
              {address.repository}
              <span className="image-tag">
                {sep}
                {address.reference}
              </span>
            </h1>
            <p className="muted">
              {isPublic
                ? 'Public image on Docker Hub'
                : connector
                  ? `${platformName(connector.platform)} · ${connector.name}`
                  : ' '}
            </p>
          </div>
          <div className="image-badges">
            {profile && view.kind === 'done' && (
              <>
                {runsAsRoot ? (
                  <span
                    className="badge badge-danger badge-lg"
                    data-badge="root"
                    title="No USER, or USER root: a process that breaks out of the app is root inside the container"
                  >
                    Runs as root
                  </span>
                ) : (
                  <span className="badge badge-ok badge-lg" data-badge="user">
                    Runs as {profile.config.user}
                  </span>
                )}
                <SbomButtons profileId={view.id} />
              </>
            )}
            <button
              type="button"
              className="btn btn-sm"
              data-action="compare"
              onClick={() => setComparing(true)}
            >
              Compare with…
            </button>
          </div>
        </div>
        {comparing && (
          <Suspense fallback={null}>
            <CompareDialog address={address} platform={platformParam} onClose={() => setComparing(false)} />
          </Suspense>
        )}
        {profile && (
          <HeaderFacts
            profile={profile}
            tag={tag}
            platformParam={platformParam}
            onPlatform={(p) => navigate(withParams(pathname, search, { platform: p }))}
          />
        )}
      </header>

      {(view.kind === 'requesting' || view.kind === 'analysing') && (
        <Progress state={view.kind === 'analysing' ? view.state : undefined} />
      )}
      {view.kind === 'failed' && (
        <section className="card failed">
          <ErrorAlert title="This image could not be analysed">{view.detail}</ErrorAlert>
          <button type="button" className="btn" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </section>
      )}

      {profile && view.kind === 'done' && (
        <>
          <nav className="tabs profile-tabs" aria-label="Profile sections">
            {TABS.map(([id, label]) => (
              <Link
                key={id}
                to={tabLink(id)}
                className={`tab${tab === id ? ' is-active' : ''}`}
                aria-current={tab === id ? 'page' : undefined}
                data-tab={id}
              >
                {label}
                {id === 'layers' && <span className="tab-count">{profile.layers.length}</span>}
                {id === 'packages' && <span className="tab-count">{profile.packages.length}</span>}
                {id === 'advice' && profile.advice.length > 0 && (
                  <span className="tab-count">{profile.advice.length}</span>
                )}
              </Link>
            ))}
          </nav>
          <div className="tab-body" data-panel={tab}>
            {tab === 'overview' && <OverviewTab profile={profile} />}
            {tab === 'layers' && <LayersTab profile={profile} />}
            {tab === 'files' && <FilesTab key={view.id} profile={profile} profileId={view.id} />}
            {tab === 'packages' && <PackagesTab profile={profile} profileId={view.id} />}
            {tab === 'security' && <SecurityTab profile={profile} />}
            {tab === 'advice' && <AdviceTab profile={profile} />}
            {tab === 'dockerfile' && <DockerfileTab profile={profile} />}
          </div>
          <p className="analyzer-note faint">
            <LayersIcon size={12} /> Analysed by Berth {profile.analyzer.version} in{' '}
            {(profile.analyzer.durationMs / 1000).toFixed(1)} s
          </p>
        </>
      )}
    </div>
  );
}
