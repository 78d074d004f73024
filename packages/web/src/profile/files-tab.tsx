import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorSentence } from '../api/client';
import type { ContainerProfile, FileItem } from '../api/types';
import { Spinner } from '../components/feedback';
import { ChevronIcon, FileIcon, FolderIcon, LinkIcon } from '../components/icons';
import { formatBytes, plural } from '../format';
import { entryBytes, FileStore } from './file-store';
import { modeString } from './file-mode';
import { instruction } from './instruction';
import { squarify } from './treemap';

interface Listing {
  readonly items?: readonly FileItem[];
  readonly error?: string;
}

const parentOf = (path: string) => (path === '/' ? '/' : path.slice(0, path.lastIndexOf('/')) || '/');

function TypeIcon({ type }: { type: string }) {
  const Icon = type === 'dir' ? FolderIcon : type === 'symlink' || type === 'hardlink' ? LinkIcon : FileIcon;
  return <Icon size={13} className={`file-icon file-${type}`} />;
}

function FileRows({
  store,
  path,
  depth,
  listings,
  expanded,
  selected,
  onToggle,
}: {
  store: FileStore;
  path: string;
  depth: number;
  listings: ReadonlyMap<string, Listing>;
  expanded: ReadonlySet<string>;
  selected: string;
  onToggle: (item: FileItem) => void;
}) {
  const listing = listings.get(path);
  const pad = { paddingLeft: `${10 + depth * 18}px` };
  if (!listing)
    return (
      <div className="file-row file-note" style={pad} role="row">
        <Spinner />
      </div>
    );
  if (listing.error)
    return (
      <div className="file-row file-note file-error" style={pad} role="row">
        {listing.error}
      </div>
    );
  if (!listing.items?.length)
    return (
      <div className="file-row file-note muted" style={pad} role="row">
        empty
      </div>
    );
  return (
    <>
      {listing.items.map((item) => {
        const isDir = item.type === 'dir';
        const open = isDir && expanded.has(item.path);
        const total = isDir ? item.totalSize : undefined;
        return (
          <div key={item.path} role="rowgroup">
            <div
              role="row"
              className={`file-row${selected === item.path ? ' is-selected' : ''}${item.type === 'whiteout' || item.type === 'opaque' ? ' is-deleted' : ''}`}
              data-path={item.path}
            >
              <span role="gridcell" className="file-name" style={pad}>
                {isDir ? (
                  <button
                    type="button"
                    className="file-toggle"
                    aria-expanded={open}
                    aria-label={`${open ? 'Collapse' : 'Expand'} ${item.path}`}
                    onClick={() => onToggle(item)}
                  >
                    <ChevronIcon size={12} className={`twisty${open ? ' is-open' : ''}`} />
                    <TypeIcon type={item.type} />
                    <span className="file-label">{item.name}</span>
                  </button>
                ) : (
                  <span className="file-leaf">
                    <TypeIcon type={item.type} />
                    <span className="file-label">{item.name}</span>
                    {item.linkTarget && <span className="file-link">→ {item.linkTarget}</span>}
                    {item.type === 'whiteout' && (
                      <span className="badge badge-danger badge-inline">deleted</span>
                    )}
                  </span>
                )}
              </span>
              <span role="gridcell" className="file-size num">
                {isDir
                  ? total !== undefined
                    ? formatBytes(total)
                    : item.childCount !== undefined
                      ? plural(item.childCount, 'item')
                      : ''
                  : item.type === 'file'
                    ? formatBytes(item.size)
                    : ''}
              </span>
              <span role="gridcell" className="file-mode mono">
                {modeString(item.mode, item.type)}
              </span>
              <span role="gridcell" className="file-owner mono">
                {item.uid}:{item.gid}
              </span>
              <span role="gridcell" className="file-layer">
                <span className="chip" title={`Last changed in layer ${item.layerIndex}`}>
                  L{item.layerIndex}
                </span>
              </span>
            </div>
            {open && (
              <FileRows
                store={store}
                path={item.path}
                depth={depth + 1}
                listings={listings}
                expanded={expanded}
                selected={selected}
                onToggle={onToggle}
              />
            )}
          </div>
        );
      })}
    </>
  );
}

interface Cell {
  readonly item: FileItem;
  readonly bytes: number;
}

const MAP_W = 1000;
const MAP_H = 560;

/** The sizes of one directory's children as a squarified treemap; a directory opens on click. */
function Treemap({
  store,
  path,
  onOpen,
}: {
  store: FileStore;
  path: string;
  onOpen: (path: string) => void;
}) {
  const [cells, setCells] = useState<{ path: string; cells: Cell[] } | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    let alive = true;
    setError('');
    void store.list(path).then(
      (items) => {
        if (alive) setCells({ path, cells: items.map((item) => ({ item, bytes: entryBytes(item) })) });
      },
      (e: unknown) => {
        if (alive) setError(errorSentence(e));
      },
    );
    return () => {
      alive = false;
    };
  }, [store, path]);

  const current = cells?.path === path ? cells : undefined;
  const rects = useMemo(
    () =>
      current
        ? squarify(
            current.cells.map((c) => ({ value: c.bytes, item: c })),
            MAP_W,
            MAP_H,
          )
        : [],
    [current],
  );
  const total = current?.cells.reduce((s, c) => s + c.bytes, 0) ?? 0;
  const crumbs = path === '/' ? [] : path.split('/').filter(Boolean);

  return (
    <section className="card panel treemap-panel" aria-label="Size treemap">
      <div className="treemap-head">
        <nav className="treemap-crumbs" aria-label="Treemap directory">
          <button type="button" className="btn-link" onClick={() => onOpen('/')}>
            /
          </button>
          {crumbs.map((name, i) => {
            const to = `/${crumbs.slice(0, i + 1).join('/')}`;
            return (
              <span key={to}>
                {i > 0 && <span className="faint">/</span>}
                {i === crumbs.length - 1 ? (
                  <strong>{name}</strong>
                ) : (
                  <button type="button" className="btn-link" onClick={() => onOpen(to)}>
                    {name}
                  </button>
                )}
              </span>
            );
          })}
        </nav>
        <span className="muted treemap-total">{current ? formatBytes(total) : ''}</span>
      </div>
      <div className="treemap" data-treemap={path}>
        {error && <p className="treemap-empty file-error">{error}</p>}
        {!error && !current && (
          <div className="treemap-empty">
            <Spinner label="Listing…" />
          </div>
        )}
        {current && !rects.length && <p className="treemap-empty muted">Nothing with a size here.</p>}
        {rects.map((r, i) => {
          const { item, bytes } = r.item;
          const big = r.width > 80 && r.height > 34;
          const share = total ? Math.round((bytes / total) * 1000) / 10 : 0;
          const label = `${item.path} — ${formatBytes(bytes)} (${share}%)`;
          const style = {
            left: `${(r.x / MAP_W) * 100}%`,
            top: `${(r.y / MAP_H) * 100}%`,
            width: `${(r.width / MAP_W) * 100}%`,
            height: `${(r.height / MAP_H) * 100}%`,
          };
          const body = big ? (
            <>
              <span className="tm-name">{item.name}</span>
              <span className="tm-size">{formatBytes(bytes)}</span>
            </>
          ) : null;
          return item.type === 'dir' ? (
            <button
              key={item.path}
              type="button"
              className={`tm-cell tm-dir tm-c${i % 4}`}
              style={style}
              title={label}
              aria-label={`Open ${label}`}
              onClick={() => onOpen(item.path)}
            >
              {body}
            </button>
          ) : (
            <div key={item.path} className="tm-cell tm-file" style={style} title={label}>
              {body}
            </div>
          );
        })}
      </div>
      <p className="treemap-legend muted">
        <span className="legend-swatch tm-dir" /> directory (click to open){' '}
        <span className="legend-swatch tm-file" /> file
      </p>
    </section>
  );
}

export function FilesTab({ profile, profileId }: { profile: ContainerProfile; profileId: string }) {
  const [layer, setLayer] = useState<number | undefined>(undefined);
  const store = useMemo(() => new FileStore(profileId, layer), [profileId, layer]);
  const [listings, setListings] = useState<ReadonlyMap<string, Listing>>(new Map());
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState('/');

  const current = useRef(store);
  current.current = store;
  const load = useCallback(
    (path: string) => {
      if (listings.get(path)?.items) return;
      const from = store;
      const put = (listing: Listing) => {
        if (current.current === from) setListings((prev) => new Map(prev).set(path, listing));
      };
      void from.list(path).then(
        (items) => put({ items }),
        (e: unknown) => put({ error: errorSentence(e) }),
      );
    },
    [store, listings],
  );

  useEffect(() => {
    setListings(new Map());
    setExpanded(new Set());
    setSelected('/');
  }, [store]);
  useEffect(() => {
    if (!listings.has('/')) load('/');
  }, [listings, load]);

  const toggle = (item: FileItem) => {
    const open = expanded.has(item.path);
    setExpanded((prev) => {
      const next = new Set(prev);
      if (open) next.delete(item.path);
      else next.add(item.path);
      return next;
    });
    if (!open) load(item.path);
    setSelected(open ? parentOf(item.path) : item.path);
  };

  // Opening a directory in the treemap opens it (and its parents) in the explorer too.
  const openInMap = (path: string) => {
    setSelected(path);
    if (path === '/') return;
    const parts = path.split('/').filter(Boolean);
    const chain = parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
    setExpanded((prev) => new Set([...prev, ...chain]));
    for (const p of chain) load(p);
  };

  return (
    <div className="files-layout">
      <section className="card explorer" aria-label="File explorer">
        <div className="explorer-head">
          <label className="inline-field">
            <span>View</span>
            <select
              value={layer === undefined ? '' : String(layer)}
              onChange={(e) => setLayer(e.target.value === '' ? undefined : Number(e.target.value))}
            >
              <option value="">Merged file system (all layers)</option>
              {profile.layers.map((l) => (
                <option key={l.index} value={l.index}>
                  {`Layer ${l.index}: ${instruction(l.createdBy).slice(0, 60) || formatBytes(l.sizeUncompressed)}`}
                </option>
              ))}
            </select>
          </label>
          <span className="muted">{plural(profile.overview.fileCount, 'file')}</span>
        </div>
        <div className="file-grid" role="treegrid" aria-label="Files">
          <div className="file-row file-header" role="row">
            <span role="columnheader">Name</span>
            <span role="columnheader" className="num">
              Size
            </span>
            <span role="columnheader">Mode</span>
            <span role="columnheader">Owner</span>
            <span role="columnheader">Layer</span>
          </div>
          <FileRows
            store={store}
            path="/"
            depth={0}
            listings={listings}
            expanded={expanded}
            selected={selected}
            onToggle={toggle}
          />
        </div>
      </section>
      <Treemap store={store} path={selected} onOpen={openInMap} />
    </div>
  );
}
