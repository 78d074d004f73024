import { useEffect, useState } from 'react';
import { api, errorSentence } from '../api/client';
import type { Connector, Tag } from '../api/types';
import { EmptyState, ErrorAlert, Spinner } from '../components/feedback';
import { LayersIcon } from '../components/icons';
import { PlatformMark, platformName } from '../components/platform-mark';
import { formatBytes, formatPlatform, formatRelative, shortDigest } from '../format';
import { parseImagePath } from '../image-route';
import { Link, useLocation } from '../router';
import { useTitle } from '../session';

const MAX_TAG_PAGES = 5;

/** Finds a version's metadata in the synced catalog (tags are listed latest first). */
async function findTag(connectorId: string, repository: string, reference: string): Promise<Tag | undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TAG_PAGES; page++) {
    const res = await api.tags(connectorId, repository, { limit: 100, ...(cursor ? { cursor } : {}) });
    const hit = res.items.find((t) => t.name === reference || t.digest === reference);
    if (hit) return hit;
    if (!res.nextCursor) return undefined;
    cursor = res.nextCursor;
  }
  return undefined;
}

const COMING = [
  ['Overview', 'OS, size, layers, user, shells, ports and environment (secrets masked).'],
  ['Layers and files', 'the instruction behind each layer, a file explorer and a size treemap.'],
  ['Packages and SBOM', 'every package, with CycloneDX and SPDX downloads.'],
  ['Security and advice', 'setuid files, keys, users, and how to make the image smaller.'],
] as const;

/**
 * The Container Profile page. Profiles are not served by the API yet, so this shows what the
 * catalog knows about the version and says what is coming (a placeholder, see issue 8).
 */
export function ProfilePage() {
  const { pathname } = useLocation();
  const address = parseImagePath(pathname);
  const isPublic = address?.source === 'public';
  const [connector, setConnector] = useState<Connector | undefined>();
  const [tag, setTag] = useState<Tag | null | undefined>();
  const [error, setError] = useState('');
  const title = address
    ? `${address.repository}${address.reference.includes(':') ? '@' : ':'}${address.reference}`
    : '';
  useTitle(title || 'Image');

  const source = address?.source ?? '';
  const repository = address?.repository ?? '';
  const reference = address?.reference ?? '';
  useEffect(() => {
    if (!source || source === 'public') return;
    let alive = true;
    setError('');
    setTag(undefined);
    Promise.all([api.connector(source), findTag(source, repository, reference)])
      .then(([c, t]) => {
        if (!alive) return;
        setConnector(c);
        setTag(t ?? null);
      })
      .catch((e: unknown) => {
        if (alive) setError(errorSentence(e));
      });
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

  return (
    <div className="page">
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
          <div>
            <h1 className="image-ref">
              {address.repository}
              <span className="image-tag">
                {address.reference.includes(':') ? '@' : ':'}
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
        </div>
        {error && <ErrorAlert>{error}</ErrorAlert>}
        {!isPublic && !error && tag === undefined && <Spinner label="Reading the catalog…" />}
        {tag === null && (
          <p className="muted">
            This version is not in the synced catalog (yet). Sync the connector to refresh it.
          </p>
        )}
        {tag && (
          <dl className="facts">
            <div>
              <dt>Digest</dt>
              <dd>
                <code title={tag.digest ?? undefined}>{shortDigest(tag.digest)}</code>
              </dd>
            </div>
            <div>
              <dt>Size</dt>
              <dd>{formatBytes(tag.size)}</dd>
            </div>
            <div>
              <dt>Pushed</dt>
              <dd>{tag.pushedAt ? formatRelative(tag.pushedAt) : '—'}</dd>
            </div>
            <div>
              <dt>Platforms</dt>
              <dd>{tag.platforms.length ? tag.platforms.map(formatPlatform).join(', ') : '—'}</dd>
            </div>
          </dl>
        )}
      </header>
      <section className="card coming">
        <div className="coming-icon">
          <LayersIcon size={28} />
        </div>
        <h2>Container Profiles are coming</h2>
        <p className="muted">
          Soon, this page analyses this version the first time you open it and shows, from then on instantly:
        </p>
        <ul className="coming-list">
          {COMING.map(([name, text]) => (
            <li key={name}>
              <strong>{name}</strong> — {text}
            </li>
          ))}
        </ul>
        <p className="muted">Comparing two versions side by side comes with it.</p>
        <Link to="/" className="btn">
          Back to your images
        </Link>
      </section>
    </div>
  );
}
