import { useMemo, useState } from 'react';
import { api } from '../api/client';
import type { ContainerProfile, ProfileAdvice } from '../api/types';
import { EmptyState } from '../components/feedback';
import { CheckIcon, SearchIcon } from '../components/icons';
import { formatBytes, plural } from '../format';

export function SbomButtons({ profileId }: { profileId: string }) {
  return (
    <span className="sbom-buttons">
      <a
        className="btn btn-sm"
        href={api.sbomUrl(profileId, 'cyclonedx-json')}
        download
        data-sbom="cyclonedx"
      >
        SBOM · CycloneDX
      </a>
      <a className="btn btn-sm" href={api.sbomUrl(profileId, 'spdx-json')} download data-sbom="spdx">
        SBOM · SPDX
      </a>
    </span>
  );
}

export function PackagesTab({ profile, profileId }: { profile: ContainerProfile; profileId: string }) {
  const [query, setQuery] = useState('');
  const needle = query.trim().toLowerCase();
  const rows = useMemo(
    () =>
      profile.packages
        .filter(
          (p) =>
            !needle ||
            p.name.toLowerCase().includes(needle) ||
            p.version.toLowerCase().includes(needle) ||
            p.type.toLowerCase() === needle,
        )
        .slice()
        .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name)),
    [profile.packages, needle],
  );
  const types = [...new Set(profile.packages.map((p) => p.type))];
  return (
    <section className="card table-card">
      <div className="table-toolbar">
        <div className="tree-filter">
          <SearchIcon size={14} />
          <input
            type="search"
            aria-label="Filter packages"
            placeholder="Filter by name, version or type"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </div>
        <span className="muted">
          {needle ? `${rows.length} of ` : ''}
          {plural(profile.packages.length, 'package')}
          {types.length ? ` · ${types.join(', ')}` : ''}
        </span>
        <SbomButtons profileId={profileId} />
      </div>
      {profile.packages.length === 0 ? (
        <EmptyState title="No packages found">
          No package database (dpkg, apk, rpm) or language manifests were found in this image.
        </EmptyState>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th>Type</th>
              <th>Name</th>
              <th>Version</th>
              <th className="num">Layer</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={`${p.type}/${p.name}/${p.version}/${p.path ?? ''}`} data-package={p.name}>
                <td>
                  <span className={`chip pkg-${p.type}`}>{p.type}</span>
                </td>
                <td className="mono strong">{p.name}</td>
                <td className="mono">{p.version}</td>
                <td className="num">{p.layerIndex}</td>
              </tr>
            ))}
            {rows.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No package matches “{query}”.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

function PathList({ title, paths, why }: { title: string; paths: readonly string[]; why: string }) {
  return (
    <section className="card panel">
      <h2 className="panel-title">
        {title} <span className={`panel-count${paths.length ? ' is-warn' : ''}`}>{paths.length}</span>
      </h2>
      <p className="muted panel-why">{why}</p>
      {paths.length ? (
        <ul className="path-list">
          {paths.map((p) => (
            <li key={p} className="mono">
              {p}
            </li>
          ))}
        </ul>
      ) : (
        <p className="ok-line">
          <CheckIcon size={14} /> None
        </p>
      )}
    </section>
  );
}

export function SecurityTab({ profile }: { profile: ContainerProfile }) {
  const s = profile.security;
  return (
    <div className="tab-grid">
      <PathList
        title="Setuid files"
        paths={s.setuid}
        why="Run with their owner’s rights, whoever starts them."
      />
      <PathList title="Setgid files" paths={s.setgid} why="Run with their group’s rights." />
      <PathList
        title="World-writable"
        paths={s.worldWritable}
        why="Any user in the container can change these (sticky directories like /tmp excluded)."
      />
      <PathList
        title="Private keys"
        paths={s.privateKeys}
        why="Key material shipped in the image can be read by anyone who pulls it."
      />
      <section className="card panel">
        <h2 className="panel-title">
          File capabilities{' '}
          <span className={`panel-count${s.capabilities.length ? ' is-warn' : ''}`}>
            {s.capabilities.length}
          </span>
        </h2>
        <p className="muted panel-why">Extra kernel privileges granted to a program without setuid.</p>
        {s.capabilities.length ? (
          <ul className="path-list">
            {s.capabilities.map((c) => (
              <li key={c.path} className="mono">
                {c.path} <span className="chip">{c.caps}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="ok-line">
            <CheckIcon size={14} /> None
          </p>
        )}
      </section>
      <section className="card panel">
        <h2 className="panel-title">
          Users <span className="panel-count">{s.users.length}</span>
        </h2>
        <p className="muted panel-why">
          The image runs as <code>{profile.config.user || 'root (no USER)'}</code>.
        </p>
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
            {s.users.map((u) => (
              <tr key={`${u.name}-${u.uid}`} className={u.uid === 0 ? 'is-root' : undefined}>
                <td className="mono">{u.name}</td>
                <td className="num">{u.uid}</td>
                <td className="num">{u.gid}</td>
                <td className="mono muted">{u.shell}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

const SEVERITY_ORDER: Record<string, number> = { high: 0, medium: 1, low: 2, info: 3 };

/** Findings, most bytes saved first (then the more severe). */
export function sortAdvice(advice: readonly ProfileAdvice[]): ProfileAdvice[] {
  return [...advice].sort(
    (a, b) =>
      b.estimatedSavingsBytes - a.estimatedSavingsBytes ||
      (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9),
  );
}

function Gauge({ score }: { score: number }) {
  const pct = Math.max(0, Math.min(1, score));
  const r = 42;
  const c = Math.PI * r;
  const tone = pct >= 0.95 ? 'good' : pct >= 0.8 ? 'fair' : 'poor';
  return (
    <svg
      className={`gauge gauge-${tone}`}
      viewBox="0 0 100 58"
      role="img"
      aria-label={`Efficiency ${Math.round(pct * 100)}%`}
    >
      <path d="M8 50a42 42 0 0 1 84 0" className="gauge-track" />
      <path d="M8 50a42 42 0 0 1 84 0" className="gauge-value" strokeDasharray={`${c * pct} ${c}`} />
      <text x="50" y="47" textAnchor="middle" className="gauge-text">
        {Math.round(pct * 100)}%
      </text>
    </svg>
  );
}

export function AdviceTab({ profile }: { profile: ContainerProfile }) {
  const { efficiency } = profile;
  const advice = sortAdvice(profile.advice ?? []);
  const savings = advice.reduce((s, a) => s + a.estimatedSavingsBytes, 0);
  return (
    <div className="advice-layout">
      <section className="card panel efficiency">
        <h2 className="panel-title">Efficiency</h2>
        <Gauge score={efficiency.score} />
        <dl className="kv">
          <dt>Wasted</dt>
          <dd>{formatBytes(efficiency.wastedBytes)}</dd>
          <dt>Image</dt>
          <dd>{formatBytes(profile.overview.sizeUncompressed)}</dd>
        </dl>
        <p className="muted panel-why">
          Bytes of files a later layer overwrote or deleted still ship in the earlier layer.
        </p>
        {efficiency.items.length > 0 && (
          <>
            <h3 className="panel-subtitle">Biggest dead copies</h3>
            <ul className="path-list">
              {efficiency.items.slice(0, 8).map((item) => (
                <li key={`${item.path}-${item.reason}`}>
                  <span className="mono">{item.path}</span>{' '}
                  <span className="faint">{formatBytes(item.bytes)}</span>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <section className="findings">
        <div className="findings-head">
          <h2>Findings</h2>
          {advice.length > 0 && (
            <span className="muted">
              {plural(advice.length, 'finding')}
              {savings > 0 ? ` · up to ${formatBytes(savings)} to save` : ''}
            </span>
          )}
        </div>
        {advice.length === 0 ? (
          <EmptyState icon={<CheckIcon size={26} />} title="No advice for this image">
            Nothing to suggest yet: no finding applies to this image, or the analyser that writes them is not
            on this server yet. The efficiency score on the left still tells how much space is wasted.
          </EmptyState>
        ) : (
          <ol className="finding-list">
            {advice.map((a) => (
              <li key={a.id} className={`card finding severity-${a.severity}`} data-advice={a.id}>
                <div className="finding-head">
                  <span className={`badge badge-${a.severity}`}>{a.severity}</span>
                  <h3>{a.title}</h3>
                  {a.estimatedSavingsBytes > 0 && (
                    <span className="finding-savings">−{formatBytes(a.estimatedSavingsBytes)}</span>
                  )}
                </div>
                <p>{a.detail}</p>
                {a.paths && a.paths.length > 0 && (
                  <p className="finding-paths mono">
                    {a.paths.slice(0, 4).join('  ')}
                    {(a.pathCount ?? a.paths.length) > 4 && (
                      <span className="faint">
                        {' '}
                        and {plural((a.pathCount ?? a.paths.length) - 4, 'more path')}
                      </span>
                    )}
                  </p>
                )}
                {a.suggestion && <pre className="code-block small">{a.suggestion}</pre>}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

export function DockerfileTab({ profile }: { profile: ContainerProfile }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    void navigator.clipboard
      ?.writeText(profile.dockerfile)
      .then(() => {
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      })
      .catch(() => setCopied(false));
  };
  return (
    <section className="card table-card">
      <div className="table-toolbar">
        <span className="muted">
          Reconstructed from the image history: the build context is not in the image.
        </span>
        <button type="button" className="btn btn-sm" onClick={copy}>
          {copied ? <CheckIcon size={14} /> : null}
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <pre className="code-block dockerfile" data-dockerfile="">
        {profile.dockerfile || '# no history in this image'}
      </pre>
    </section>
  );
}
