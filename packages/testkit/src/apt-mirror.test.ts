import { describe, expect, it } from 'vitest';
import { mirrorFromDeb822, mirrorFromOneLine } from './apt-mirror.js';

describe('apt mirror discovery', () => {
  it('reads deb822 stanzas, skipping disabled ones and other suites', () => {
    const text = [
      'Types: deb',
      'URIs: http://disabled.example/debian',
      'Suites: bookworm',
      'Enabled: no',
      '',
      'Types: deb',
      '# a comment',
      'URIs: http://security.example/debian-security',
      'Suites: bookworm-security',
      '',
      'Types: deb deb-src',
      'URIs: http://mirror.example/debian/',
      'Suites: bookworm bookworm-updates',
      'Components: main',
    ].join('\n');
    expect(mirrorFromDeb822(text, 'bookworm')).toBe('http://mirror.example/debian');
    expect(mirrorFromDeb822(text, 'trixie')).toBeUndefined();
  });

  it('reads one-line sources with options', () => {
    const text = [
      '# deb http://commented.example/debian bookworm main',
      'deb-src http://src.example/debian bookworm main',
      'deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main contrib',
    ].join('\n');
    expect(mirrorFromOneLine(text, 'bookworm')).toBe('http://mirror.example/debian');
  });
});
