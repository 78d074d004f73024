import { useEffect, useMemo, useRef, useState } from 'react';
import { api, errorSentence } from '../api/client';
import type { FileChangeItem, FileChangeKind, FileModification, ImageDiff } from '../api/types';
import { EmptyState, ErrorAlert } from '../components/feedback';
import { ChevronIcon, SearchIcon } from '../components/icons';
import { formatBytes, plural } from '../format';
import {
  changeDetails,
  filterFileChanges,
  formatDelta,
  hasContentDiff,
  TYPE_FILTERS,
  type AnyFileChange,
  type TypeFilter,
} from './file-changes';
import { FileDiffView } from './file-diff-view';
import { appendPage, FILE_KINDS, initialLists, type LoadedList, type LoadedLists } from './file-pages';

export type ChangeFilter = 'all' | FileChangeKind;

const KIND_LABEL: Record<FileChangeKind, string> = {
  added: 'Added',
  removed: 'Removed',
  modified: 'Modified',
};
const KIND_MARK: Record<FileChangeKind, string> = { added: 'A', removed: 'D', modified: 'M' };
const PAGE = 200;
/** "Load all" stops after this many items of one list: a browser table is not the tool beyond. */
const LOAD_ALL_CAP = 20_000;

const isModification = (item: AnyFileChange): item is FileModification => 'rightSize' in item;

function domId(path: string): string {
  let h = 0;
  for (let i = 0; i < path.length; i++) h = (h * 31 + path.charCodeAt(i)) | 0;
  return `fd-${(h >>> 0).toString(36)}`;
}

function Row({
  kind,
  item,
  diffId,
  open,
  onToggle,
}: {
  kind: FileChangeKind;
  item: AnyFileChange;
  diffId: string;
  open: boolean;
  onToggle: () => void;
}) {
  const modification = isModification(item) ? item : undefined;
  const expandable = modification ? hasContentDiff(modification) : false;
  const details = modification ? changeDetails(modification) : [];
  const added = item as FileChangeItem;
  const size = modification
    ? modification.type === 'file'
      ? `${formatBytes(modification.leftSize)} → ${formatBytes(modification.rightSize)}`
      : ''
    : added.type === 'file'
      ? formatBytes(added.size)
      : '';
  const delta =
    modification && modification.type === 'file' ? modification.rightSize - modification.leftSize : 0;
  const body = (
    <>
      {expandable ? (
        <ChevronIcon size={12} className={`twisty${open ? ' is-open' : ''}`} />
      ) : (
        <span className="twisty-space" />
      )}
      <span className={`change-mark mark-${kind}`} title={KIND_LABEL[kind]} aria-label={KIND_LABEL[kind]}>
        {KIND_MARK[kind]}
      </span>
      <span className="change-path">
        <span className="mono">{item.path}</span>
        {item.type !== 'file' && <span className="chip chip-mono">{item.type}</span>}
        {item.type === 'file' && item.binary && (
          <span className="chip chip-mono" data-binary-chip="">
            binary
          </span>
        )}
        {details.map((d) => (
          <span key={d} className="change-detail">
            {d}
          </span>
        ))}
      </span>
      <span className="change-size num">
        {size}
        {delta !== 0 && (
          <span className={`change-delta ${delta > 0 ? 'is-up' : 'is-down'}`}>{formatDelta(delta)}</span>
        )}
      </span>
    </>
  );
  const panelId = domId(item.path);
  return (
    <li className={`change-row${open ? ' is-open' : ''}`} data-file={item.path} data-change={kind}>
      {expandable ? (
        <button
          type="button"
          className="change-line"
          aria-expanded={open}
          aria-controls={open ? panelId : undefined}
          aria-label={`${open ? 'Hide' : 'Show'} the changes to ${item.path}`}
          onClick={onToggle}
        >
          {body}
        </button>
      ) : (
        <div className="change-line">{body}</div>
      )}
      {open && <FileDiffView diffId={diffId} path={item.path} id={panelId} />}
    </li>
  );
}

/**
 * The files that differ: added, removed and modified paths with filters (change, type, path
 * search), paged with "Load more", and a modified text file's unified diff on click. The file
 * opened last is in the address (`file=`), so a link can point at one file's changes: it opens
 * and scrolls into view on load, and shows above the lists when it is not among the loaded rows.
 */
export function FilesPanel({
  diffId,
  diff,
  change,
  type,
  query,
  file,
  onView,
}: {
  diffId: string;
  diff: ImageDiff;
  change: ChangeFilter;
  type: TypeFilter;
  query: string;
  /** The path named by the address, opened on arrival. */
  file: string;
  onView: (view: { change?: ChangeFilter; type?: TypeFilter; q?: string; file?: string }) => void;
}) {
  const [lists, setLists] = useState<LoadedLists>(() => initialLists(diff));
  const [busy, setBusy] = useState<FileChangeKind | undefined>();
  const [error, setError] = useState('');
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set(file ? [file] : []));
  const linked = useRef(file);
  useEffect(() => {
    // Once, for the file the address named on arrival: bring its row (or the pinned view) into sight.
    if (!linked.current) return;
    document.getElementById(domId(linked.current))?.scrollIntoView({ block: 'center' });
    linked.current = '';
  }, []);
  const filtering = type !== 'all' || query.trim() !== '';

  const load = async (kind: FileChangeKind, all: boolean) => {
    setBusy(kind);
    setError('');
    try {
      let list: LoadedList = lists[kind];
      do {
        if (list.nextCursor === null) break;
        const page = await api.diffFiles<AnyFileChange>(diffId, kind, list.nextCursor, all ? 500 : PAGE);
        list = appendPage(list, page);
        setLists((prev) => ({ ...prev, [kind]: list }));
      } while (all && list.items.length < LOAD_ALL_CAP);
    } catch (e) {
      setError(errorSentence(e));
    } finally {
      setBusy(undefined);
    }
  };

  const kinds = change === 'all' ? FILE_KINDS : [change];
  const shown = useMemo(
    () =>
      Object.fromEntries(
        FILE_KINDS.map((k) => [k, filterFileChanges(lists[k].items, { type, query })]),
      ) as Record<FileChangeKind, AnyFileChange[]>,
    [lists, type, query],
  );
  const total = lists.added.total + lists.removed.total + lists.modified.total;
  const toggle = (path: string) => {
    const closing = open.has(path);
    setOpen((prev) => {
      const next = new Set(prev);
      if (closing) next.delete(path);
      else next.add(path);
      return next;
    });
    if (!closing) onView({ file: path });
    else if (path === file) onView({ file: '' });
  };
  const loadedModified = lists.modified.items.some((item) => item.path === file);

  return (
    <section className="card table-card files-panel" aria-label="File changes">
      <div className="table-toolbar">
        <div className="segmented" role="group" aria-label="Show changes">
          {(['all', ...FILE_KINDS] as const).map((k) => (
            <button
              key={k}
              type="button"
              className="segment"
              aria-pressed={change === k}
              data-filter={k}
              onClick={() => onView({ change: k })}
            >
              {k === 'all' ? 'All' : KIND_LABEL[k]}
              <span className="tab-count">{(k === 'all' ? total : lists[k].total).toLocaleString('en')}</span>
            </button>
          ))}
        </div>
        <label className="inline-field">
          <span className="visually-hidden">Type</span>
          <select
            aria-label="File type"
            value={type}
            onChange={(e) => onView({ type: e.target.value as TypeFilter })}
          >
            {TYPE_FILTERS.map(([id, label]) => (
              <option key={id} value={id}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <div className="tree-filter">
          <SearchIcon size={14} />
          <input
            type="search"
            aria-label="Filter files by path"
            placeholder="Filter by path"
            value={query}
            onChange={(e) => onView({ q: e.target.value })}
          />
        </div>
      </div>
      {error && (
        <div className="panel-alert">
          <ErrorAlert>{error}</ErrorAlert>
        </div>
      )}
      {file && !loadedModified && open.has(file) && (
        <div className="change-group" data-group="linked">
          <h3 className="change-group-title">
            Linked file <span className="mono change-group-note">{file}</span>
          </h3>
          <FileDiffView diffId={diffId} path={file} id={domId(file)} />
        </div>
      )}
      {total === 0 ? (
        <EmptyState title="No files differ">
          Every path has the same type, content, mode and owner in both images
          {diff.summary.sharedLayers > 0 ? '' : ', even though their layers differ'}.
        </EmptyState>
      ) : (
        kinds.map((kind) => {
          const list = lists[kind];
          const items = shown[kind];
          if (list.total === 0 && change === 'all') return null;
          const more = list.total - list.items.length;
          return (
            <div key={kind} className="change-group" data-group={kind}>
              <h3 className="change-group-title">
                {KIND_LABEL[kind]}
                <span className="panel-count">{list.total.toLocaleString('en')}</span>
                {filtering && (
                  <span className="muted change-group-note">
                    {plural(items.length, 'match', 'matches')}
                    {more > 0 ? ` among the first ${list.items.length.toLocaleString('en')}` : ''}
                  </span>
                )}
              </h3>
              {list.total === 0 ? (
                <p className="change-empty muted">No {KIND_LABEL[kind].toLowerCase()} files.</p>
              ) : items.length === 0 ? (
                <p className="change-empty muted">Nothing here matches the filter.</p>
              ) : (
                <ul className="change-list">
                  {items.map((item) => (
                    <Row
                      key={item.path}
                      kind={kind}
                      item={item}
                      diffId={diffId}
                      open={open.has(item.path)}
                      onToggle={() => toggle(item.path)}
                    />
                  ))}
                </ul>
              )}
              {more > 0 && (
                <div className="change-more">
                  <button
                    type="button"
                    className="btn btn-sm"
                    disabled={busy !== undefined}
                    onClick={() => void load(kind, false)}
                  >
                    {busy === kind ? 'Loading…' : `Load more ${KIND_LABEL[kind].toLowerCase()} files`}
                  </button>
                  {filtering && (
                    <button
                      type="button"
                      className="btn btn-sm btn-plain"
                      disabled={busy !== undefined}
                      onClick={() => void load(kind, true)}
                    >
                      Load all {more.toLocaleString('en')} to filter them too
                    </button>
                  )}
                  <span className="muted">{more.toLocaleString('en')} more</span>
                </div>
              )}
            </div>
          );
        })
      )}
    </section>
  );
}
