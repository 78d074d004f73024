import { useMemo, useState } from 'react';
import type { ImageDiff, LayerDiff, PackageChange, PackageDiffItem } from '../api/types';
import { EmptyState } from '../components/feedback';
import { SearchIcon } from '../components/icons';
import { formatBytes, plural, shortDigest } from '../format';
import { instruction } from '../profile/instruction';
import { formatConfigValue } from './file-changes';
import { sideBySide } from './side-by-side';

const CHANGE_LABEL = { added: 'added', removed: 'removed', changed: 'changed' } as const;

/** The runtime configuration, field by field: only what differs, A's value beside B's. */
export function ConfigPanel({ diff }: { diff: ImageDiff }) {
  if (diff.config.length === 0)
    return (
      <section className="card table-card">
        <EmptyState title="The runtime configuration is the same">
          Entrypoint, command, user, working directory, ports, volumes, environment and labels match.
        </EmptyState>
      </section>
    );
  return (
    <section className="card table-card" aria-label="Configuration changes">
      <div className="table-scroll">
        <table className="data-table config-diff">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">A</th>
              <th scope="col">B</th>
            </tr>
          </thead>
          <tbody>
            {diff.config.map((c) => (
              <tr key={c.field} data-config={c.field} className={`cfg-${c.change}`}>
                <th scope="row" className="mono">
                  {c.field}
                  <span className={`badge badge-inline chg-${c.change}`}>{CHANGE_LABEL[c.change]}</span>
                </th>
                <td className={`mono cfg-left${c.change === 'added' ? ' is-unset' : ''}`}>
                  {formatConfigValue(c.left)}
                </td>
                <td className={`mono cfg-right${c.change === 'removed' ? ' is-unset' : ''}`}>
                  {formatConfigValue(c.right)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

type PackageRow =
  | { readonly kind: 'changed'; readonly p: PackageChange }
  | { readonly kind: 'added' | 'removed'; readonly p: PackageDiffItem };

const DIRECTION = { upgrade: '↑ upgrade', downgrade: '↓ downgrade', rebuild: '↻ rebuild' } as const;

/** Packages added, removed, upgraded and downgraded (by each ecosystem's own version order). */
export function PackagesPanel({ diff }: { diff: ImageDiff }) {
  const [query, setQuery] = useState('');
  const needle = query.trim().toLowerCase();
  const all = useMemo<PackageRow[]>(
    () =>
      [
        ...diff.packages.changed.map((p): PackageRow => ({ kind: 'changed', p })),
        ...diff.packages.added.map((p): PackageRow => ({ kind: 'added', p })),
        ...diff.packages.removed.map((p): PackageRow => ({ kind: 'removed', p })),
      ].sort((a, b) => a.p.name.localeCompare(b.p.name)),
    [diff.packages],
  );
  const rows = needle ? all.filter((r) => r.p.name.toLowerCase().includes(needle)) : all;
  if (all.length === 0)
    return (
      <section className="card table-card">
        <EmptyState title="The packages are the same">
          Both images hold the same packages at the same versions (or neither has a package database).
        </EmptyState>
      </section>
    );
  const { packagesAdded, packagesRemoved, packagesChanged } = diff.summary;
  return (
    <section className="card table-card" aria-label="Package changes">
      <div className="table-toolbar">
        <div className="tree-filter">
          <SearchIcon size={14} />
          <input
            type="search"
            aria-label="Filter packages"
            placeholder="Filter by name"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </div>
        <span className="muted">
          {packagesChanged} changed · {packagesAdded} added · {packagesRemoved} removed
        </span>
      </div>
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Package</th>
              <th scope="col">Type</th>
              <th scope="col">A</th>
              <th scope="col">B</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const direction = r.kind === 'changed' ? (r.p.direction ?? 'rebuild') : undefined;
              return (
                <tr key={`${r.kind}:${r.p.type ?? ''}:${r.p.name}:${r.p.path ?? ''}`} data-package={r.p.name}>
                  <td className="strong">
                    {r.p.name}
                    {r.p.path && <span className="faint"> · {r.p.path}</span>}
                  </td>
                  <td>
                    <span className={`chip pkg-${r.p.type ?? ''}`}>{r.p.type ?? ''}</span>
                  </td>
                  <td className="mono">
                    {r.kind === 'changed' ? r.p.left : r.kind === 'removed' ? r.p.version : '—'}
                  </td>
                  <td className="mono">
                    {r.kind === 'changed' ? r.p.right : r.kind === 'added' ? r.p.version : '—'}
                  </td>
                  <td>
                    {direction ? (
                      <span className={`badge dir-${direction}`}>{DIRECTION[direction]}</span>
                    ) : (
                      <span className={`badge chg-${r.kind}`}>{r.kind}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {rows.length === 0 && <p className="change-empty muted">No package matches “{query}”.</p>}
      </div>
    </section>
  );
}

const LAYER_STATUS: Record<LayerDiff['status'], string> = {
  shared: 'shared',
  'same-content': 'same content',
  changed: 'changed',
  added: 'only in B',
  removed: 'only in A',
};

/** The two layer stacks position by position: what is shared, and where they part. */
export function LayersPanel({ diff }: { diff: ImageDiff }) {
  const layers = diff.layers ?? [];
  if (layers.length === 0)
    return (
      <section className="card table-card">
        <EmptyState title="Neither image has layers" />
      </section>
    );
  return (
    <section className="card table-card" aria-label="Layers">
      <div className="table-toolbar">
        <span className="muted">
          {plural(diff.summary.sharedLayers, 'layer')} shared from the bottom: a pull of B after A downloads
          only the rest.
        </span>
      </div>
      <div className="table-scroll">
        <table className="data-table layers-diff">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Status</th>
              <th scope="col">A</th>
              <th scope="col">B</th>
            </tr>
          </thead>
          <tbody>
            {layers.map((l) => (
              <tr key={l.index} className={`layer-${l.status}`}>
                <td className="num">{l.index}</td>
                <td>
                  <span className={`badge lyr-${l.status}`}>{LAYER_STATUS[l.status]}</span>
                </td>
                {[l.left, l.right].map((side, i) => (
                  <td key={i} className="layer-side">
                    {side ? (
                      <>
                        <span className="created-by-text mono" title={side.createdBy ?? undefined}>
                          {instruction(side.createdBy) || shortDigest(side.digest)}
                        </span>
                        <span className="faint">
                          {' '}
                          · {formatBytes(side.sizeCompressed)} · {shortDigest(side.digest)}
                        </span>
                      </>
                    ) : (
                      <span className="faint">—</span>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Both reconstructed Dockerfiles side by side, lines aligned, changes highlighted. */
export function DockerfilePanel({ diff }: { diff: ImageDiff }) {
  const rows = useMemo(() => sideBySide(diff.dockerfile.left, diff.dockerfile.right), [diff.dockerfile]);
  const same = rows.every((r) => r.kind === 'same');
  return (
    <section className="card table-card" aria-label="Dockerfiles">
      <div className="table-toolbar">
        <span className="muted">
          {same
            ? 'The reconstructed Dockerfiles are the same.'
            : 'Reconstructed from each image’s history; lines that differ are highlighted.'}
        </span>
      </div>
      <div className="table-scroll">
        <table className="split-diff" data-dockerfiles="">
          <thead>
            <tr>
              <th colSpan={2} scope="colgroup">
                A
              </th>
              <th colSpan={2} scope="colgroup">
                B
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={4} className="muted split-empty">
                  Neither image records a history.
                </td>
              </tr>
            )}
            {rows.map((r, i) => (
              <tr key={i} className={`split-${r.kind}`}>
                <td className="ud-num">{r.left?.line ?? ''}</td>
                <td
                  className={`split-code${r.left && r.kind !== 'same' ? ' is-del' : ''}${r.left ? '' : ' is-blank'}`}
                >
                  {r.left?.text ?? ''}
                </td>
                <td className="ud-num">{r.right?.line ?? ''}</td>
                <td
                  className={`split-code${r.right && r.kind !== 'same' ? ' is-add' : ''}${r.right ? '' : ' is-blank'}`}
                >
                  {r.right?.text ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
