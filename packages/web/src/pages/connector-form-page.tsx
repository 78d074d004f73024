import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, errorSentence } from '../api/client';
import type { Connector, Platform, PlatformField, TestResult } from '../api/types';
import { EmptyState, ErrorAlert, Spinner, SuccessAlert } from '../components/feedback';
import { ArrowLeftIcon, PlugIcon } from '../components/icons';
import { PlatformMark } from '../components/platform-mark';
import { suggestConnectorName } from '../connector-name';
import { Markdown } from '../markdown';
import { Link, navigate } from '../router';
import { setFlash, useTitle } from '../session';

type Values = Record<string, string | boolean>;

function usePlatforms(): { platforms?: Platform[]; error: string } {
  const [platforms, setPlatforms] = useState<Platform[] | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    api
      .platforms()
      .then(setPlatforms)
      .catch((e: unknown) => setError(errorSentence(e)));
  }, []);
  return { ...(platforms ? { platforms } : {}), error };
}

const PLATFORM_BLURB: Readonly<Record<string, string>> = {
  dockerhub: 'Repositories of a user or organization, with a read-only access token.',
  ecr: 'Private repositories in one AWS account and region, read-only.',
  google: 'Artifact Registry or Container Registry, with a read-only service account.',
  quay: 'quay.io or your own Quay, with a robot account that can read.',
  ghcr: 'Container packages of a GitHub user or organization.',
  acr: 'An Azure Container Registry, with a token that can only pull.',
  generic: 'Any registry speaking the OCI distribution API: Harbor, GitLab, zot, distribution…',
};

/** Step 1 of adding a connector: which kind of registry. */
export function PlatformPickerPage() {
  useTitle('Add connector');
  const { platforms, error } = usePlatforms();
  return (
    <div className="page">
      <Link to="/connectors" className="back-link">
        <ArrowLeftIcon /> Connectors
      </Link>
      <div className="page-head">
        <div>
          <h1>Add a connector</h1>
          <p className="muted">
            Choose where your images live. You can connect as many registries as you use.
          </p>
        </div>
      </div>
      {error && <ErrorAlert>{error}</ErrorAlert>}
      {!platforms && !error && <Spinner />}
      {platforms && (
        <ul className="platform-grid">
          {platforms.map((p) => (
            <li key={p.id}>
              <Link to={`/connectors/new/${encodeURIComponent(p.id)}`} className="platform-card">
                <PlatformMark platform={p.id} size={40} />
                <span className="platform-card-text">
                  <span className="platform-card-name">{p.name}</span>
                  <span className="platform-card-blurb">{PLATFORM_BLURB[p.id] ?? ''}</span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function initialConfigValues(platform: Platform, connector?: Connector): Values {
  const values: Values = {};
  for (const f of platform.configFields) {
    const v = connector?.config[f.name];
    if (f.kind === 'boolean') values[f.name] = v === true;
    else if (Array.isArray(v)) values[f.name] = v.join(', ');
    else values[f.name] = typeof v === 'string' ? v : '';
  }
  return values;
}

/** Form values → the API's `config`: lists split on commas or new lines, empty fields left out. */
export function configFromValues(fields: readonly PlatformField[], values: Values): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (f.kind === 'boolean') {
      if (v === true) config[f.name] = true;
    } else if (typeof v === 'string' && v.trim() !== '') {
      config[f.name] =
        f.kind === 'list'
          ? v
              .split(/[,\n]/)
              .map((s) => s.trim())
              .filter(Boolean)
          : v.trim();
    }
  }
  return config;
}

function Field({
  field,
  value,
  onChange,
  help,
}: {
  field: PlatformField;
  value: string | boolean;
  onChange: (v: string | boolean) => void;
  help?: string;
}) {
  const id = useId();
  const [shown, setShown] = useState(false);
  const helpText = help ?? field.help;
  if (field.kind === 'boolean')
    return (
      <label className="field field-check">
        <input
          type="checkbox"
          name={field.name}
          checked={value === true}
          onChange={(e) => onChange(e.target.checked)}
        />
        <span>{field.label}</span>
      </label>
    );
  const common = {
    id,
    name: field.name,
    value: typeof value === 'string' ? value : '',
    required: field.required,
    placeholder: field.placeholder,
    autoComplete: 'off',
    spellCheck: false,
    'aria-describedby': helpText ? `${id}-help` : undefined,
  };
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {field.label}
        {!field.required && <span className="optional"> optional</span>}
      </label>
      {field.kind === 'textarea' ? (
        <textarea rows={4} {...common} onChange={(e) => onChange(e.target.value)} />
      ) : field.secret ? (
        <div className="secret-input">
          <input
            type={shown ? 'text' : 'password'}
            {...common}
            autoComplete="new-password"
            onChange={(e) => onChange(e.target.value)}
          />
          <button
            type="button"
            className="btn-link secret-toggle"
            onClick={() => setShown((s) => !s)}
            aria-pressed={shown}
            aria-label={shown ? `Hide ${field.label}` : `Show ${field.label}`}
          >
            {shown ? 'Hide' : 'Show'}
          </button>
        </div>
      ) : (
        <input type="text" {...common} onChange={(e) => onChange(e.target.value)} />
      )}
      {helpText && (
        <span className="field-help" id={`${id}-help`}>
          {helpText}
        </span>
      )}
    </div>
  );
}

/**
 * Add (platformId) or edit (connectorId) a connector: a form built from `GET /platforms`, the
 * platform's least-privilege instructions beside it. Creating validates the credentials
 * against the registry at once; the API's sentence is shown when they fail.
 */
export function ConnectorFormPage({
  platformId,
  connectorId,
}: {
  platformId?: string;
  connectorId?: string;
}) {
  const editing = connectorId !== undefined;
  const { platforms, error: platformsError } = usePlatforms();
  const [connector, setConnector] = useState<Connector | undefined>();
  const [loadError, setLoadError] = useState('');
  useEffect(() => {
    if (!connectorId) return;
    api
      .connector(connectorId)
      .then(setConnector)
      .catch((e: unknown) => setLoadError(errorSentence(e)));
  }, [connectorId]);

  const platform = platforms?.find((p) => p.id === (connector?.platform ?? platformId));
  useTitle(editing ? `Edit ${connector?.name ?? 'connector'}` : `Connect ${platform?.name ?? 'a registry'}`);
  const error = platformsError || loadError;

  return (
    <div className="page">
      <Link to={editing ? '/connectors' : '/connectors/new'} className="back-link">
        <ArrowLeftIcon /> {editing ? 'Connectors' : 'All platforms'}
      </Link>
      {error && <ErrorAlert>{error}</ErrorAlert>}
      {!error && (!platforms || (editing && !connector)) && <Spinner />}
      {platforms && !platform && !error && (!editing || connector) && (
        <EmptyState
          title="Berth does not know this platform"
          action={
            <Link to="/connectors/new" className="btn btn-primary">
              Choose a platform
            </Link>
          }
        />
      )}
      {platform && (!editing || connector) && (
        <ConnectorForm platform={platform} {...(connector ? { connector } : {})} />
      )}
    </div>
  );
}

function ConnectorForm({ platform, connector }: { platform: Platform; connector?: Connector }) {
  const editing = connector !== undefined;
  const [name, setName] = useState(connector?.name ?? '');
  const [config, setConfig] = useState<Values>(() => initialConfigValues(platform, connector));
  const [credentials, setCredentials] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<'save' | 'test' | undefined>();
  const [error, setError] = useState('');
  const [test, setTest] = useState<TestResult | undefined>();
  const [saved, setSaved] = useState('');
  const errorRef = useRef<HTMLDivElement>(null);
  const nameId = useId();

  useEffect(() => {
    if (error) errorRef.current?.focus();
  }, [error]);

  const configValue = configFromValues(platform.configFields, config);
  const suggestion = suggestConnectorName(platform, configValue);
  const enteredCredentials = Object.fromEntries(
    Object.entries(credentials).filter(([, v]) => v.trim() !== ''),
  );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy('save');
    setError('');
    setTest(undefined);
    setSaved('');
    const finalName = name.trim() || suggestion;
    try {
      if (!connector) {
        const created = await api.createConnector({
          platform: platform.id,
          name: finalName,
          config: configValue,
          credentials: enteredCredentials,
        });
        setFlash(
          `Connected “${created.name}”. Berth is syncing its catalog now; its images appear under Home.`,
        );
        navigate('/connectors');
        return;
      }
      const changedConfig = JSON.stringify(configValue) !== JSON.stringify(connector.config);
      await api.updateConnector(connector.id, {
        ...(finalName !== connector.name ? { name: finalName } : {}),
        ...(changedConfig ? { config: configValue } : {}),
        ...(Object.keys(enteredCredentials).length > 0 ? { credentials: enteredCredentials } : {}),
      });
      setFlash(`Saved “${finalName}”.`);
      navigate('/connectors');
    } catch (err) {
      setError(errorSentence(err));
      setBusy(undefined);
    }
  };

  const runTest = () => {
    if (!connector) return;
    setBusy('test');
    setTest(undefined);
    setError('');
    api
      .testConnector(connector.id)
      .then(setTest)
      .catch((e: unknown) => setTest({ ok: false, detail: errorSentence(e) }))
      .finally(() => setBusy(undefined));
  };

  const credentialHelp = connector?.credentialHint
    ? `Leave empty to keep the stored one (${connector.credentialHint}).`
    : undefined;

  return (
    <div className="form-layout">
      <form className="card form-card" onSubmit={(e) => void submit(e)}>
        <div className="form-title">
          <PlatformMark platform={platform.id} size={40} />
          <div>
            <h1>{editing ? `Edit ${connector.name}` : `Connect ${platform.name}`}</h1>
            <p className="muted">
              {editing
                ? 'Rename it, change its settings or rotate its credentials. New credentials are checked before they are stored.'
                : 'Berth checks the credentials against the registry before it saves anything.'}
            </p>
          </div>
        </div>

        <div className="field">
          <label className="field-label" htmlFor={nameId}>
            Name
          </label>
          <input
            id={nameId}
            name="name"
            value={name}
            maxLength={100}
            autoComplete="off"
            placeholder={suggestion}
            onChange={(e) => setName(e.target.value)}
            aria-describedby={`${nameId}-help`}
          />
          <span className="field-help" id={`${nameId}-help`}>
            Name it so your team knows at a glance which registry this is, e.g. “Production ECR (eu-west-1)”.
            {!name.trim() && suggestion && (
              <>
                {' '}
                <button type="button" className="btn-link" onClick={() => setName(suggestion)}>
                  Use “{suggestion}”
                </button>
              </>
            )}
          </span>
        </div>

        {platform.configFields.length > 0 && (
          <fieldset className="fieldset">
            <legend>Registry</legend>
            {platform.configFields.map((f) => (
              <Field
                key={f.name}
                field={f}
                value={config[f.name] ?? ''}
                onChange={(v) => setConfig((c) => ({ ...c, [f.name]: v }))}
              />
            ))}
          </fieldset>
        )}

        {platform.credentialFields.length > 0 && (
          <fieldset className="fieldset">
            <legend>Credentials {editing ? '(rotate)' : ''}</legend>
            {platform.credentialFields.map((f) => (
              <Field
                key={f.name}
                field={f}
                value={credentials[f.name] ?? ''}
                onChange={(v) => setCredentials((c) => ({ ...c, [f.name]: String(v) }))}
                {...(f.secret && credentialHelp ? { help: credentialHelp } : {})}
              />
            ))}
          </fieldset>
        )}

        {error && (
          <div ref={errorRef} tabIndex={-1} className="form-error">
            <ErrorAlert title={editing ? 'Not saved' : 'Berth could not connect'}>{error}</ErrorAlert>
          </div>
        )}
        {test &&
          (test.ok ? <SuccessAlert>{test.detail}</SuccessAlert> : <ErrorAlert>{test.detail}</ErrorAlert>)}
        {saved && <SuccessAlert>{saved}</SuccessAlert>}

        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy !== undefined}>
            {busy === 'save'
              ? editing
                ? 'Checking and saving…'
                : 'Testing connection…'
              : editing
                ? 'Save changes'
                : 'Test connection and save'}
          </button>
          {editing && (
            <button type="button" className="btn" onClick={runTest} disabled={busy !== undefined}>
              <PlugIcon /> {busy === 'test' ? 'Testing…' : 'Test connection'}
            </button>
          )}
          <Link to="/connectors" className="btn btn-plain">
            Cancel
          </Link>
        </div>
      </form>
      <aside className="card instructions" aria-label={`How to connect ${platform.name}`}>
        <h2>How to connect {platform.name}</h2>
        <Markdown text={platform.instructions} className="markdown" />
      </aside>
    </div>
  );
}
