import type { ContainerProfile, ProfileLayer } from '../api/types';
import { formatBytes, shortDigest } from '../format';
import { instruction } from './instruction';

interface Step {
  readonly key: string;
  readonly createdBy: string | null;
  readonly layer: ProfileLayer | undefined;
}

/**
 * The history steps in order, each with the layer it produced: steps that changed only the
 * config (ENV, CMD…) have none. Without a history, one step per layer.
 */
export function layerSteps(profile: ContainerProfile): Step[] {
  const history = profile.history;
  if (!history?.length)
    return profile.layers.map((l) => ({ key: `l${l.index}`, createdBy: l.createdBy, layer: l }));
  const byIndex = new Map(profile.layers.map((l) => [l.index, l]));
  const steps: Step[] = history.map((h, i) => ({
    key: `h${i}`,
    createdBy: h.createdBy,
    layer: h.layerIndex === null ? undefined : byIndex.get(h.layerIndex),
  }));
  const shown = new Set(history.map((h) => h.layerIndex));
  for (const l of profile.layers)
    if (!shown.has(l.index)) steps.push({ key: `l${l.index}`, createdBy: l.createdBy, layer: l });
  return steps;
}

function Change({ count, bytes, kind }: { count: number; bytes: number; kind: string }) {
  if (!count) return <span className="faint">—</span>;
  return (
    <span className={`change change-${kind}`}>
      {count.toLocaleString('en')}
      <span className="change-bytes">{formatBytes(bytes)}</span>
    </span>
  );
}

export function LayersTab({ profile }: { profile: ContainerProfile }) {
  const steps = layerSteps(profile);
  const max = Math.max(1, ...profile.layers.map((l) => l.sizeUncompressed ?? l.sizeCompressed));
  return (
    <section className="card table-card">
      <table className="data-table layers-table">
        <thead>
          <tr>
            <th className="num">#</th>
            <th>Created by</th>
            <th>Size</th>
            <th className="num">Added</th>
            <th className="num">Modified</th>
            <th className="num">Deleted</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((step) => {
            const l = step.layer;
            const text =
              instruction(step.createdBy) || (l ? `(layer ${shortDigest(l.digest)})` : '(no command)');
            if (!l)
              return (
                <tr key={step.key} className="is-empty-step" data-layer="">
                  <td className="num faint">·</td>
                  <td className="mono created-by" title={step.createdBy ?? undefined}>
                    {text}
                  </td>
                  <td className="faint" colSpan={4}>
                    no layer (configuration only)
                  </td>
                </tr>
              );
            const size = l.sizeUncompressed ?? l.sizeCompressed;
            return (
              <tr key={step.key} data-layer={l.index}>
                <td className="num strong">{l.index}</td>
                <td className="mono created-by" title={step.createdBy ?? undefined}>
                  {text}
                  {l.analysed === false && (
                    <span className="badge badge-warn badge-inline">
                      not analysed{l.notAnalysedReason ? `: ${l.notAnalysedReason}` : ''}
                    </span>
                  )}
                </td>
                <td className="size-cell">
                  <span className="size-bar" aria-hidden="true">
                    <span style={{ width: `${Math.max(1, (size / max) * 100)}%` }} />
                  </span>
                  <span className="size-text">
                    {formatBytes(l.sizeUncompressed)}
                    <span className="faint"> · {formatBytes(l.sizeCompressed)} packed</span>
                  </span>
                </td>
                <td className="num">
                  <Change count={l.added} bytes={l.bytesAdded} kind="added" />
                </td>
                <td className="num">
                  <Change count={l.modified} bytes={l.bytesModified} kind="modified" />
                </td>
                <td className="num">
                  <Change count={l.deleted} bytes={l.bytesDeleted} kind="deleted" />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
