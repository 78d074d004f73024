import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { api, errorSentence } from '../api/client';
import type { SearchItem } from '../api/types';
import { imagePath } from '../image-route';
import { navigate } from '../router';
import { BoxIcon, SearchIcon, TagIcon } from './icons';
import { platformName } from './platform-mark';

const DEBOUNCE_MS = 180;

/** Where a result leads: a version to its profile, a repository of yours to its place in the tree. */
export function searchResultPath(item: SearchItem): string {
  if (item.source === 'connected' && item.connectorId) {
    if (item.tag)
      return imagePath({ source: item.connectorId, repository: item.repository, reference: item.tag });
    const q = new URLSearchParams({ connector: item.connectorId, repository: item.repository });
    return `/?${q.toString()}`;
  }
  return imagePath({ source: 'public', repository: item.repository, reference: item.tag ?? 'latest' });
}

function highlight(text: string, query: string): ReactNode {
  const q = query.trim().toLowerCase();
  const at = q ? text.toLowerCase().indexOf(q) : -1;
  if (at < 0) return text;
  return (
    <>
      {text.slice(0, at)}
      <mark>{text.slice(at, at + q.length)}</mark>
      {text.slice(at + q.length)}
    </>
  );
}

/**
 * The header's search: results as you type (debounced, the previous request aborted), your
 * registries' repositories and versions first — red accent and the connector's name — then
 * public images. A WAI-ARIA combobox: ↑/↓ move, Enter opens, Esc closes; `/` focuses it.
 */
export function SearchBox() {
  const id = useId();
  const listId = `${id}-results`;
  const input = useRef<HTMLInputElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<SearchItem[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [state, setState] = useState<'idle' | 'loading' | 'done' | 'error'>('idle');
  const [error, setError] = useState('');
  // Bumped each time the box gains focus: results are fetched anew, never stale from before.
  const [asked, setAsked] = useState(0);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setItems([]);
      setState('idle');
      return;
    }
    const controller = new AbortController();
    setState('loading');
    const timer = window.setTimeout(() => {
      api
        .search(q, controller.signal)
        .then((res) => {
          setItems(res.items);
          setActive(-1);
          setState('done');
        })
        .catch((e: unknown) => {
          if (controller.signal.aborted) return;
          setError(errorSentence(e));
          setState('error');
        });
    }, DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [query, asked]);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing = target?.closest('input, textarea, select, [contenteditable="true"]');
      if (e.key === '/' && !typing && !e.metaKey && !e.ctrlKey) {
        e.preventDefault();
        input.current?.focus();
      }
    };
    const onPointer = (e: PointerEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, []);

  const go = (item: SearchItem) => {
    setOpen(false);
    setActive(-1);
    input.current?.blur();
    navigate(searchResultPath(item));
  };

  // Connected first (the API promises it; the keyboard order must match what is shown).
  const connected = items.filter((i) => i.source === 'connected');
  const publicItems = items.filter((i) => i.source === 'public');
  const ordered = [...connected, ...publicItems];

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => (ordered.length === 0 ? -1 : (a + 1) % ordered.length));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => (ordered.length === 0 ? -1 : a <= 0 ? ordered.length - 1 : a - 1));
    } else if (e.key === 'Enter') {
      const item = ordered[active >= 0 ? active : 0];
      if (item && open) {
        e.preventDefault();
        go(item);
      }
    } else if (e.key === 'Escape') {
      if (open) setOpen(false);
      else {
        setQuery('');
        input.current?.blur();
      }
    }
  };

  useEffect(() => {
    if (active >= 0) document.getElementById(`${id}-opt-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active, id]);

  const showPanel = open && query.trim() !== '';

  const option = (item: SearchItem, index: number) => {
    const name = item.tag ? `${item.repository}:${item.tag}` : item.repository;
    return (
      <li
        key={`${item.source}-${item.connectorId ?? ''}-${name}`}
        id={`${id}-opt-${index}`}
        role="option"
        aria-selected={index === active}
        className={`search-result result-${item.source}${index === active ? ' is-active' : ''}`}
        data-source={item.source}
        data-kind={item.tag ? 'version' : 'repository'}
        onPointerDown={(e) => e.preventDefault()}
        onClick={() => go(item)}
        onMouseMove={() => setActive(index)}
      >
        <span className="result-icon">{item.tag ? <TagIcon /> : <BoxIcon />}</span>
        <span className="result-main">
          <span className="result-name">{highlight(name, query)}</span>
          {item.description && <span className="result-desc">{item.description}</span>}
        </span>
        {item.source === 'connected' ? (
          <span className="result-connector" title="From your connected registry">
            {item.connectorName ?? 'Connected'}
          </span>
        ) : (
          <span className="result-public">{platformName(item.platform)}</span>
        )}
      </li>
    );
  };

  return (
    <div className="search" ref={root}>
      <SearchIcon className="search-icon" />
      <input
        ref={input}
        type="search"
        role="combobox"
        aria-label="Search images"
        aria-autocomplete="list"
        aria-expanded={showPanel}
        aria-controls={listId}
        aria-activedescendant={active >= 0 && showPanel ? `${id}-opt-${active}` : undefined}
        placeholder="Search images and versions"
        autoComplete="off"
        spellCheck={false}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setOpen(true);
        }}
        onFocus={() => {
          setOpen(true);
          setAsked((n) => n + 1);
        }}
        onKeyDown={onKeyDown}
      />
      {!query && (
        <kbd className="search-kbd" aria-hidden="true">
          /
        </kbd>
      )}
      <div className={`search-panel${showPanel ? ' is-open' : ''}`} hidden={!showPanel}>
        {state === 'error' && <div className="search-message search-error">{error}</div>}
        {state === 'done' && items.length === 0 && (
          <div className="search-message">
            No images match “{query.trim()}”. Search looks through the repositories and versions of your
            connected registries and public images.
          </div>
        )}
        {state === 'loading' && items.length === 0 && <div className="search-message">Searching…</div>}
        <ul id={listId} role="listbox" aria-label="Search results" className="search-list">
          {connected.length > 0 && (
            <li role="presentation" className="search-group">
              Your registries
            </li>
          )}
          {connected.map((item, i) => option(item, i))}
          {publicItems.length > 0 && (
            <li role="presentation" className="search-group">
              Public images
            </li>
          )}
          {publicItems.map((item, i) => option(item, connected.length + i))}
        </ul>
      </div>
    </div>
  );
}
