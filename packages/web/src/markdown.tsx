import type { ReactNode } from 'react';

/**
 * The small Markdown subset platform instructions use (paragraphs, `1.`/`-` lists, **bold**,
 * *italic*, `code`, [links](https://…)), turned into React elements — never into an HTML
 * string — so text from the server can not inject markup. Links only to http(s).
 */
export function Markdown({ text, className }: { text: string; className?: string }) {
  return <div className={className}>{blocks(text)}</div>;
}

type Block = { kind: 'p'; lines: string[] } | { kind: 'ol' | 'ul'; items: string[] };

function blocks(text: string): ReactNode[] {
  const out: Block[] = [];
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    const last = out.at(-1);
    if (line === '') {
      out.push({ kind: 'p', lines: [] });
      continue;
    }
    const ol = /^\d+[.)]\s+(.*)$/.exec(line);
    const ul = /^[-*+]\s+(.*)$/.exec(line);
    const item = ol?.[1] ?? ul?.[1];
    const kind = ol ? 'ol' : ul ? 'ul' : 'p';
    if (item !== undefined && (kind === 'ol' || kind === 'ul')) {
      if (last && last.kind === kind) last.items.push(item);
      else out.push({ kind, items: [item] });
    } else if (last?.kind === 'p') last.lines.push(line);
    else if (last && /^\s{2,}/.test(raw)) {
      // An indented continuation of the last list item.
      last.items[last.items.length - 1] += ` ${line}`;
    } else out.push({ kind: 'p', lines: [line] });
  }
  return out
    .filter((b) => (b.kind === 'p' ? b.lines.length > 0 : b.items.length > 0))
    .map((b, i) => {
      if (b.kind === 'p') return <p key={i}>{inline(b.lines.join(' '))}</p>;
      const items = b.items.map((item, j) => <li key={j}>{inline(item)}</li>);
      return b.kind === 'ol' ? <ol key={i}>{items}</ol> : <ul key={i}>{items}</ul>;
    });
}

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*)|(\[[^\]]+\]\([^)\s]+\))/g;

/** Inline spans; everything else is text (React escapes it). */
export function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let key = 0;
  for (const m of text.matchAll(INLINE)) {
    const at = m.index;
    if (at > last) out.push(text.slice(last, at));
    const token = m[0];
    if (m[1]) out.push(<code key={key++}>{token.slice(1, -1)}</code>);
    else if (m[2]) out.push(<strong key={key++}>{inline(token.slice(2, -2))}</strong>);
    else if (m[3]) out.push(<em key={key++}>{inline(token.slice(1, -1))}</em>);
    else {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token);
      const href = link?.[2] ?? '';
      if (link && /^https?:\/\//i.test(href))
        out.push(
          <a key={key++} href={href} target="_blank" rel="noopener noreferrer">
            {inline(link[1] ?? '')}
          </a>,
        );
      else out.push(link?.[1] ?? token);
    }
    last = at + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
