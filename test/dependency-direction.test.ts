import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  rmSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALLOWED, findViolations, importsOf } from './dependency-rules.js';

const packagesDir = join(import.meta.dirname, '..', 'packages');

describe('dependency direction (DESIGN.md)', () => {
  it('no package imports one that DESIGN.md puts above it', () => {
    expect(findViolations(packagesDir)).toEqual([]);
  });

  it('package.json dependencies agree with the rules', () => {
    for (const pkg of readdirSync(packagesDir)) {
      const manifest = join(packagesDir, pkg, 'package.json');
      if (!existsSync(manifest)) continue;
      const json = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> };
      const internal = Object.keys(json.dependencies ?? {})
        .filter((d) => d.startsWith('@berth/'))
        .map((d) => d.slice(7));
      for (const dep of internal) expect(ALLOWED[pkg], `${pkg} depends on ${dep}`).toContain(dep);
    }
  });

  describe('the checker', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-deps-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    };

    it('finds static, type-only, re-export, dynamic and relative imports that go up', () => {
      write(
        'oci/src/a.ts',
        "import { x } from '@berth/server';\nimport type { Y } from '@berth/analysis/deep';\n",
      );
      write('oci/src/b.ts', "export * from '@berth/cli';\nconst m = await import('@berth/connectors');\n");
      write(
        'analysis/src/c.ts',
        "import { z } from '../../server/src/z.js';\nimport { ok } from '@berth/oci';\nimport { y } from './y.js';\n",
      );
      write('server/src/d.ts', "import { t } from '@berth/testkit';\n");
      write('server/src/d.test.ts', "import { t } from '@berth/testkit';\n");
      write(
        'server/test/e.test.ts',
        "import { t } from '@berth/testkit';\nimport { a } from '@berth/analysis';\n",
      );
      // The portal's sources reach the server over HTTP only; its end-to-end test may start one.
      write('web/src/f.ts', "import { startServer } from '@berth/server';\n");
      write('web/test/e2e.test.ts', "import { startServer } from '@berth/server';\n");
      const found = findViolations(dir)
        .map((v) => `${v.from}->${v.to}`)
        .sort();
      expect(found).toEqual([
        'analysis->server',
        'oci->analysis',
        'oci->cli',
        'oci->connectors',
        'oci->server',
        'server->testkit',
        'web->server',
      ]);
    });

    it('reads every import form', () => {
      expect(
        importsOf(
          "import a from 'x';\nimport {b,\n c} from \"y\";\nimport 'z';\nexport { d } from 'w';\nawait import('v');",
        ),
      ).toEqual(['x', 'y', 'z', 'w', 'v']);
    });
  });
});
