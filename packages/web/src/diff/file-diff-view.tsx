import { useEffect, useState } from 'react';
import { api, errorSentence } from '../api/client';
import type { FileContentDiff } from '../api/types';
import { ErrorAlert, Spinner } from '../components/feedback';
import { formatBytes } from '../format';
import { parseUnifiedDiff } from './unified-diff';

type Load =
  | { readonly kind: 'loading' }
  | { readonly kind: 'done'; readonly file: FileContentDiff }
  | { readonly kind: 'failed'; readonly detail: string };

/**
 * The unified diff of one modified file, GitHub style: both line numbers, removed lines red and
 * added lines green, each hunk under its `@@` header. Fetched when opened (`GET /diffs/:id/file`
 * reads just that file from the layers holding it). Binary files say so with both sizes.
 */
export function FileDiffView({ diffId, path, id }: { diffId: string; path: string; id: string }) {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  useEffect(() => {
    let alive = true;
    setLoad({ kind: 'loading' });
    api.diffFile(diffId, path).then(
      (file) => alive && setLoad({ kind: 'done', file }),
      (e: unknown) => alive && setLoad({ kind: 'failed', detail: errorSentence(e) }),
    );
    return () => {
      alive = false;
    };
  }, [diffId, path]);

  if (load.kind === 'loading')
    return (
      <div className="udiff udiff-note" id={id}>
        <Spinner label="Reading the file from both images…" />
      </div>
    );
  if (load.kind === 'failed')
    return (
      <div className="udiff udiff-note" id={id}>
        <ErrorAlert>{load.detail}</ErrorAlert>
      </div>
    );
  const { file } = load;
  const sizes = `${formatBytes(file.leftSize)} → ${formatBytes(file.rightSize)}`;
  if (file.binary)
    return (
      <div className="udiff udiff-note" id={id} data-binary="">
        <strong>Binary file</strong>
        <span className="muted">
          {sizes}. Berth shows line-by-line changes for text files; the bytes of this one differ.
        </span>
      </div>
    );
  const parsed = parseUnifiedDiff(file.diff);
  if (parsed.rows.length === 0)
    return (
      <div className="udiff udiff-note" id={id}>
        <span className="muted">The contents are the same on both sides ({sizes}).</span>
      </div>
    );
  return (
    <div className="udiff" id={id} data-udiff={file.path}>
      <div className="udiff-head">
        <span className="udiff-stat">
          <span className="ud-plus">+{parsed.added}</span> <span className="ud-minus">−{parsed.deleted}</span>
        </span>
        <span className="muted">{sizes}</span>
      </div>
      <div className="udiff-scroll">
        <table className="udiff-table">
          <tbody>
            {parsed.rows.map((row, i) =>
              row.kind === 'hunk' || row.kind === 'note' ? (
                <tr key={i} className={`ud-${row.kind}`}>
                  <td className="ud-num" aria-hidden="true" />
                  <td className="ud-num" aria-hidden="true" />
                  <td className="ud-code">{row.text}</td>
                </tr>
              ) : (
                <tr key={i} className={`ud-${row.kind}`}>
                  <td className="ud-num">{row.oldLine ?? ''}</td>
                  <td className="ud-num">{row.newLine ?? ''}</td>
                  <td className="ud-code">
                    <span className="ud-sign">
                      {row.kind === 'add' ? '+' : row.kind === 'del' ? '-' : ' '}
                    </span>
                    {row.text}
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
