import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { isSecretName, MASK, parseEnv } from './env';
import { modeString } from './file-mode';
import { instruction } from './instruction';
import { EnvTable } from './overview-tab';

describe('environment variables', () => {
  it('treats names that look like secrets as secrets', () => {
    for (const name of [
      'DB_PASSWORD',
      'passwd',
      'API_TOKEN',
      'AWS_SECRET_ACCESS_KEY',
      'SSH_KEY',
      'GIT_CREDENTIALS',
    ])
      expect(isSecretName(name)).toBe(true);
    for (const name of ['PATH', 'HOME', 'APP_ENV', 'LANG']) expect(isSecretName(name)).toBe(false);
  });

  it('splits at the first "=" only', () => {
    expect(parseEnv(['A=b=c', 'EMPTY=', 'BARE', 'DB_PASSWORD='])).toEqual([
      { name: 'A', value: 'b=c', secret: false },
      { name: 'EMPTY', value: '', secret: false },
      { name: 'BARE', value: '', secret: false },
      { name: 'DB_PASSWORD', value: '', secret: false },
    ]);
  });

  it('renders secret values masked, with a reveal button, and the others as they are', () => {
    const html = renderToStaticMarkup(
      createElement(EnvTable, { env: ['PATH=/usr/bin:/bin', 'API_TOKEN=hunter2-value', 'db_password=pw=1'] }),
    );
    expect(html).not.toContain('hunter2-value');
    expect(html).not.toContain('pw=1');
    expect(html).toContain('/usr/bin:/bin');
    expect(html.split(MASK)).toHaveLength(3);
    expect(html).toContain('aria-label="Reveal API_TOKEN"');
    expect(html).toContain('aria-label="Reveal db_password"');
    expect(html).not.toContain('aria-label="Reveal PATH"');
  });
});

describe('file modes and history steps', () => {
  it('writes modes as ls -l does', () => {
    expect(modeString(0o644)).toBe('-rw-r--r--');
    expect(modeString(0o755, 'dir')).toBe('drwxr-xr-x');
    expect(modeString(0o4755)).toBe('-rwsr-xr-x');
    expect(modeString(0o2644)).toBe('-rw-r-Sr--');
    expect(modeString(0o1777, 'dir')).toBe('drwxrwxrwt');
    expect(modeString(0o777, 'symlink')).toBe('lrwxrwxrwx');
  });

  it('shows history commands as Dockerfile lines', () => {
    expect(instruction('/bin/sh -c #(nop)  CMD ["sh"]')).toBe('CMD ["sh"]');
    expect(instruction('/bin/sh -c apk add curl')).toBe('RUN apk add curl');
    expect(instruction('COPY app/ /app/ # buildkit')).toBe('COPY app/ /app/');
    expect(instruction(null)).toBe('');
  });
});
