import { useState } from 'react';
import type { ContainerProfile } from '../api/types';
import { MASK, parseEnv } from './env';

const shellWords = (words: readonly string[] | null) =>
  words?.length ? words.map((w) => (/[\s"'$]/.test(w) || w === '' ? JSON.stringify(w) : w)).join(' ') : '';

/** `NAME=value` lines; values of secret-looking names masked, each with its own Reveal button. */
export function EnvTable({ env }: { env: readonly string[] }) {
  const [shown, setShown] = useState<ReadonlySet<string>>(new Set());
  const vars = parseEnv(env);
  if (!vars.length) return <p className="muted">No environment variables.</p>;
  return (
    <table className="data-table env-table">
      <tbody>
        {vars.map((v, i) => {
          const masked = v.secret && !shown.has(v.name);
          return (
            <tr key={`${v.name}-${i}`} data-env={v.name}>
              <th scope="row" className="mono">
                {v.name}
              </th>
              <td className="mono env-value">
                {masked ? <span className="masked">{MASK}</span> : v.value}
                {v.secret && (
                  <button
                    type="button"
                    className="btn-link env-toggle"
                    aria-label={`${masked ? 'Reveal' : 'Hide'} ${v.name}`}
                    onClick={() =>
                      setShown((prev) => {
                        const next = new Set(prev);
                        if (next.has(v.name)) next.delete(v.name);
                        else next.add(v.name);
                        return next;
                      })
                    }
                  >
                    {masked ? 'Reveal' : 'Hide'}
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Chips({ items, empty }: { items: readonly string[]; empty: string }) {
  if (!items.length) return <span className="muted">{empty}</span>;
  return (
    <span className="chips">
      {items.map((item) => (
        <code key={item} className="chip chip-mono">
          {item}
        </code>
      ))}
    </span>
  );
}

export function OverviewTab({ profile }: { profile: ContainerProfile }) {
  const { config, overview, security } = profile;
  const labels = Object.entries(config.labels ?? {});
  const entrypoint = shellWords(config.entrypoint);
  const cmd = shellWords(config.cmd);
  return (
    <div className="tab-grid">
      <section className="card panel">
        <h2 className="panel-title">Runtime</h2>
        <dl className="kv">
          <dt>Entrypoint</dt>
          <dd>
            {entrypoint ? <code className="cmd">{entrypoint}</code> : <span className="muted">none</span>}
          </dd>
          <dt>Command</dt>
          <dd>{cmd ? <code className="cmd">{cmd}</code> : <span className="muted">none</span>}</dd>
          <dt>Working directory</dt>
          <dd>
            {config.workingDir ? (
              <code>{config.workingDir}</code>
            ) : (
              <span className="muted">/ (default)</span>
            )}
          </dd>
          <dt>User</dt>
          <dd>
            {config.user ? <code>{config.user}</code> : <span className="muted">not set</span>}
            {overview.runsAsRoot && <span className="badge badge-danger badge-inline">root</span>}
          </dd>
          <dt>Exposed ports</dt>
          <dd>
            <Chips items={config.exposedPorts} empty="none" />
          </dd>
          <dt>Volumes</dt>
          <dd>
            <Chips items={config.volumes} empty="none" />
          </dd>
          {config.stopSignal && (
            <>
              <dt>Stop signal</dt>
              <dd>
                <code>{config.stopSignal}</code>
              </dd>
            </>
          )}
        </dl>
      </section>
      <section className="card panel">
        <h2 className="panel-title">Tools inside</h2>
        <dl className="kv">
          <dt>Shells</dt>
          <dd>
            <Chips items={overview.shells} empty="no shell (good for a runtime image)" />
          </dd>
          <dt>Package managers</dt>
          <dd>
            <Chips items={overview.packageManagers} empty="none" />
          </dd>
          <dt>Packages</dt>
          <dd>{profile.packages.length.toLocaleString('en')}</dd>
          <dt>Files</dt>
          <dd>{overview.fileCount.toLocaleString('en')}</dd>
        </dl>
        <h3 className="panel-subtitle">Users</h3>
        {security.users.length ? (
          <table className="data-table compact">
            <thead>
              <tr>
                <th>Name</th>
                <th className="num">UID</th>
                <th className="num">GID</th>
                <th>Shell</th>
              </tr>
            </thead>
            <tbody>
              {security.users.map((u) => (
                <tr key={`${u.name}-${u.uid}`}>
                  <td className="mono">{u.name}</td>
                  <td className="num">{u.uid}</td>
                  <td className="num">{u.gid}</td>
                  <td className="mono muted">{u.shell}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No /etc/passwd in this image.</p>
        )}
      </section>
      <section className="card panel span-2">
        <h2 className="panel-title">
          Environment <span className="panel-count">{config.env.length}</span>
        </h2>
        <EnvTable env={config.env} />
      </section>
      {labels.length > 0 && (
        <section className="card panel span-2">
          <h2 className="panel-title">
            Labels <span className="panel-count">{labels.length}</span>
          </h2>
          <table className="data-table env-table">
            <tbody>
              {labels.map(([k, v]) => (
                <tr key={k}>
                  <th scope="row" className="mono">
                    {k}
                  </th>
                  <td className="mono env-value">{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
