import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, errorSentence } from '../api/client';
import type { Tag } from '../api/types';
import { ErrorAlert, Spinner } from '../components/feedback';
import { formatBytes, formatRelative, shortDigest } from '../format';
import type { ImageAddress } from '../image-route';
import { navigate } from '../router';
import { parseCompareTarget } from './compare-target';
import { diffPath } from './diff-route';

const PAGE = 25;

/**
 * "Compare with…": the other versions of the same repository (newest first, paged), filtered by
 * what is typed, or any tag, digest or image reference typed in. Choosing one opens the Diff
 * page with this image as A. A native modal <dialog>: focus stays inside, Esc closes.
 */
export function CompareDialog({
  address,
  platform,
  onClose,
}: {
  address: ImageAddress;
  platform: string | null;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState('');
  const [tags, setTags] = useState<readonly Tag[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(address.source !== 'public');
  const [loadError, setLoadError] = useState('');
  const isPublic = address.source === 'public';

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const loadTags = (after?: string) => {
    setLoading(true);
    setLoadError('');
    api
      .tags(address.source, address.repository, { limit: PAGE, ...(after ? { cursor: after } : {}) })
      .then(
        (page) => {
          setTags((prev) => (after ? [...prev, ...page.items] : page.items));
          setCursor(page.nextCursor);
        },
        (e: unknown) => setLoadError(errorSentence(e)),
      )
      .finally(() => setLoading(false));
  };
  useEffect(() => {
    if (!isPublic) loadTags();
    // Once per dialog: the repository does not change while it is open.
  }, []);

  const open = (target: ImageAddress) => {
    onClose();
    const p = platform ?? undefined;
    navigate(diffPath({ a: address, b: target, ...(p ? { ap: p, bp: p } : {}) }));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const target = parseCompareTarget(typed, address);
    if (target.ok) open(target.address);
    else setError(target.error);
  };

  const needle = typed.trim().toLowerCase();
  const others = tags.filter(
    (t) => t.name !== address.reference && (!needle || t.name.toLowerCase().includes(needle)),
  );
  const sep = address.reference.includes(':') ? '@' : ':';

  return (
    <dialog
      ref={ref}
      className="dialog compare-dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <form onSubmit={submit}>
        <div className="dialog-head">
          <h2 id={`${id}-title`}>
            Compare <span className="mono">{`${address.repository}${sep}${address.reference}`}</span> with…
          </h2>
        </div>
        <div className="dialog-body">
          <label className="field">
            <span className="field-label">Another version</span>
            <input
              autoFocus
              autoComplete="off"
              spellCheck={false}
              value={typed}
              placeholder={isPublic ? 'alpine:3.21 or a digest' : '2.0, sha256:…, team/other:1.0'}
              aria-describedby={`${id}-help`}
              onChange={(e) => {
                setTyped(e.target.value);
                setError('');
              }}
            />
            <span className="field-help" id={`${id}-help`}>
              {isPublic
                ? 'A tag or digest of this image, or another public image (docker.io/…).'
                : 'Pick a version below, or type a tag, a digest, or another repository of this connector.'}
            </span>
          </label>
          {error && <ErrorAlert>{error}</ErrorAlert>}
          {!isPublic && (
            <div className="compare-versions" aria-label="Versions of this repository" role="group">
              {loadError && <ErrorAlert>{loadError}</ErrorAlert>}
              {others.map((t) => (
                <button
                  key={t.name}
                  type="button"
                  className="compare-version"
                  data-compare={t.name}
                  onClick={() => open({ ...address, reference: t.name })}
                >
                  <span className="compare-tag mono">{t.name}</span>
                  <span className="digest">{shortDigest(t.digest)}</span>
                  <span className="muted">{formatBytes(t.size)}</span>
                  <span className="muted">{formatRelative(t.pushedAt)}</span>
                </button>
              ))}
              {loading && <Spinner label="Loading versions…" />}
              {!loading && !loadError && others.length === 0 && (
                <p className="muted compare-none">
                  {needle
                    ? `No listed version matches “${typed.trim()}”: press Compare to use it as typed.`
                    : 'No other versions are listed for this repository yet. Type a reference instead.'}
                </p>
              )}
              {cursor && !loading && (
                <button type="button" className="btn btn-sm btn-plain" onClick={() => loadTags(cursor)}>
                  Load more versions
                </button>
              )}
            </div>
          )}
        </div>
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={!typed.trim()}>
            Compare
          </button>
        </div>
      </form>
    </dialog>
  );
}
