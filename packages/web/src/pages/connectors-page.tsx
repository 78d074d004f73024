import { useCallback, useEffect, useState } from 'react';
import { api, errorSentence } from '../api/client';
import type { Connector, TestResult } from '../api/types';
import { DeleteConnectorDialog } from '../components/delete-connector-dialog';
import { EmptyState, ErrorAlert, Spinner, StatusPill, SuccessAlert } from '../components/feedback';
import { EditIcon, PlugIcon, RefreshIcon, TrashIcon } from '../components/icons';
import { PlatformMark, platformName } from '../components/platform-mark';
import { formatRelative } from '../format';
import { Link } from '../router';
import { setFlash, takeFlash, useTitle } from '../session';
import { syncProgressText, useSync } from '../use-sync';

const REFRESH_MS = 1500;

function endpointOf(connector: Connector): string | undefined {
  const e = connector.config.endpoint;
  if (typeof e !== 'string') return undefined;
  try {
    return new URL(e).host;
  } catch {
    return e;
  }
}

function ConnectorRow({
  connector,
  onChanged,
  onDelete,
}: {
  connector: Connector;
  onChanged: () => void;
  onDelete: () => void;
}) {
  const [test, setTest] = useState<TestResult | { busy: true } | undefined>();
  const [sync, startSync] = useSync(connector.id, onChanged);
  const runTest = () => {
    setTest({ busy: true });
    api
      .testConnector(connector.id)
      .then(setTest)
      .catch((e: unknown) => setTest({ ok: false, detail: errorSentence(e) }));
  };
  const syncing = sync.kind === 'running' || connector.status === 'syncing';
  const where = [platformName(connector.platform), endpointOf(connector)].filter(Boolean).join(' · ');

  return (
    <li className="connector-row" data-connector={connector.name}>
      <div className="connector-main">
        <PlatformMark platform={connector.platform} size={40} />
        <div className="connector-id">
          <h2 className="connector-name">{connector.name}</h2>
          <div className="connector-where">
            {where}
            {connector.credentialHint && (
              <>
                {' · '}credentials <code>{connector.credentialHint}</code>
              </>
            )}
          </div>
        </div>
        <dl className="connector-facts">
          <div>
            <dt>Status</dt>
            <dd>
              <StatusPill status={syncing ? 'syncing' : connector.status} />
            </dd>
          </div>
          <div>
            <dt>Repositories</dt>
            <dd className="connector-count">{connector.repositoryCount.toLocaleString('en')}</dd>
          </div>
          <div>
            <dt>Last sync</dt>
            <dd title={connector.lastSyncAt ?? undefined}>{formatRelative(connector.lastSyncAt)}</dd>
          </div>
          {connector.rateLimit?.remaining !== undefined && (
            <div>
              <dt>API quota left</dt>
              <dd
                className="connector-quota"
                title={`Reported by the platform ${formatRelative(connector.rateLimit.observedAt)}`}
              >
                {connector.rateLimit.remaining.toLocaleString('en')}
                {connector.rateLimit.limit !== undefined &&
                  ` of ${connector.rateLimit.limit.toLocaleString('en')}`}
              </dd>
            </div>
          )}
        </dl>
        <div className="connector-actions">
          <button type="button" className="btn btn-sm" onClick={runTest} disabled={!!test && 'busy' in test}>
            <PlugIcon /> Test
          </button>
          <button type="button" className="btn btn-sm" onClick={startSync} disabled={syncing}>
            <RefreshIcon /> Sync now
          </button>
          <Link
            to={`/connectors/${encodeURIComponent(connector.id)}/edit`}
            className="btn btn-sm"
            aria-label={`Edit ${connector.name}`}
          >
            <EditIcon /> Edit
          </Link>
          <button
            type="button"
            className="btn btn-sm btn-icon btn-trash"
            onClick={onDelete}
            aria-label={`Delete ${connector.name}`}
            title="Delete connector"
          >
            <TrashIcon />
          </button>
        </div>
      </div>
      {sync.kind === 'running' && (
        <div className="connector-note" role="status">
          <Spinner label={syncProgressText(sync.job)} />
        </div>
      )}
      {sync.kind === 'failed' && (
        <div className="connector-note">
          <ErrorAlert>{sync.detail}</ErrorAlert>
        </div>
      )}
      {test && !('busy' in test) && (
        <div className="connector-note">
          {test.ok ? <SuccessAlert>{test.detail}</SuccessAlert> : <ErrorAlert>{test.detail}</ErrorAlert>}
        </div>
      )}
      {test && 'busy' in test && (
        <div className="connector-note">
          <Spinner label="Testing the connection…" />
        </div>
      )}
      {connector.lastError && connector.status === 'error' && sync.kind !== 'running' && (
        <div className="connector-error">
          <strong>Last error:</strong> {connector.lastError}
        </div>
      )}
    </li>
  );
}

/** The user's connectors: status, sync, test, edit and delete; the way to add one. */
export function ConnectorsPage() {
  useTitle('Connectors');
  const [connectors, setConnectors] = useState<Connector[] | undefined>();
  const [error, setError] = useState('');
  const [flash, setFlashText] = useState(() => takeFlash());
  const [deleting, setDeleting] = useState<Connector | undefined>();

  const load = useCallback(() => {
    api
      .connectors()
      .then((list) => {
        setConnectors(list);
        setError('');
      })
      .catch((e: unknown) => setError(errorSentence(e)));
  }, []);
  useEffect(load, [load]);

  // While a sync runs in the background (after creation, or scheduled), follow its status.
  const busy = connectors?.some((c) => c.status === 'pending' || c.status === 'syncing') ?? false;
  useEffect(() => {
    if (!busy) return;
    const timer = window.setInterval(load, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [busy, load]);

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Connectors</h1>
          <p className="muted">
            The registries Berth reads from. Berth never pushes or deletes images; a read-only token is all it
            needs.
          </p>
        </div>
        {connectors && connectors.length > 0 && (
          <Link to="/connectors/new" className="btn btn-primary">
            Add connector
          </Link>
        )}
      </div>
      {flash && (
        <div className="flash">
          <SuccessAlert>{flash}</SuccessAlert>
          <button type="button" className="btn-link" onClick={() => setFlashText(undefined)}>
            Dismiss
          </button>
        </div>
      )}
      {error && <ErrorAlert>{error}</ErrorAlert>}
      {!connectors && !error && <Spinner />}
      {connectors && connectors.length === 0 && (
        <EmptyState
          icon={<PlugIcon size={28} />}
          title="Connect your first registry"
          action={
            <Link to="/connectors/new" className="btn btn-primary">
              Add connector
            </Link>
          }
        >
          Docker Hub, Amazon ECR, Google Artifact Registry, Quay, GitHub Packages, Azure or any OCI registry.
          Berth shows you how to create a read-only token for each, checks it at once, and lists your images
          under Home.
        </EmptyState>
      )}
      {connectors && connectors.length > 0 && (
        <ul className="connector-list">
          {connectors.map((c) => (
            <ConnectorRow key={c.id} connector={c} onChanged={load} onDelete={() => setDeleting(c)} />
          ))}
        </ul>
      )}
      {deleting && (
        <DeleteConnectorDialog
          connector={deleting}
          onClose={() => setDeleting(undefined)}
          onDeleted={() => {
            setFlash(`Deleted “${deleting.name}”, its credentials and everything Berth had synced from it.`);
            setFlashText(takeFlash());
            setDeleting(undefined);
            setConnectors((list) => list?.filter((c) => c.id !== deleting.id));
          }}
        />
      )}
    </div>
  );
}
