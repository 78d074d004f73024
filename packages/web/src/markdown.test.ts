import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Markdown } from './markdown';

const render = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

describe('Markdown', () => {
  it('renders the subset platform instructions use', () => {
    const html = render(
      'Use a **read-only** token.\n\n1. Open *Settings*.\n2. Copy `read_registry`.\n\n- see [the docs](https://example.com/docs)',
    );
    expect(html).toBe(
      '<div><p>Use a <strong>read-only</strong> token.</p>' +
        '<ol><li>Open <em>Settings</em>.</li><li>Copy <code>read_registry</code>.</li></ol>' +
        '<ul><li>see <a href="https://example.com/docs" target="_blank" rel="noopener noreferrer">the docs</a></li></ul></div>',
    );
  });

  it('never injects markup from the text', () => {
    const html = render('<img src=x onerror=alert(1)> **<script>x</script>** [x](javascript:alert(1))');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('href="javascript');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<strong>&lt;script&gt;x&lt;/script&gt;</strong>');
  });

  it('joins wrapped lines into one paragraph', () => {
    expect(render('one\ntwo\n\nthree')).toBe('<div><p>one two</p><p>three</p></div>');
  });
});
