import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/**
 * The direction of dependencies from DESIGN.md: each package may import only those listed.
 * `testkit` is test-only: production sources (`src/`, except tests) must never import it.
 */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  oci: [],
  analysis: ['oci'],
  connectors: ['oci'],
  server: ['oci', 'analysis', 'connectors'],
  cli: ['server', 'analysis', 'oci', 'connectors'],
  web: [],
  testkit: ['oci'],
};

/**
 * What a package's tests (not its sources) may import beyond {@link ALLOWED} and testkit.
 * The portal's end-to-end test starts a real `berth serve` in-process (`startServer`) and
 * drives it in a browser; the portal's own sources still reach the server over HTTP only.
 */
export const TEST_ALLOWED: Readonly<Record<string, readonly string[]>> = {
  web: ['server'],
};

export interface Violation {
  readonly file: string;
  readonly from: string;
  readonly to: string;
  readonly specifier: string;
}

const IMPORT =
  /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module specifier a TypeScript source imports or re-exports. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT)) out.push((m[1] ?? m[2]) as string);
  return out;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

/** Which package a specifier points into: `@berth/oci` or a relative path into packages/oci. */
function targetPackage(specifier: string, file: string, packagesDir: string): string | undefined {
  const scoped = /^@berth\/([^/]+)/.exec(specifier);
  if (scoped) return scoped[1];
  if (!specifier.startsWith('.')) return undefined;
  const rel = relative(packagesDir, resolve(file, '..', specifier));
  if (rel.startsWith('..')) return undefined;
  return rel.split(sep)[0];
}

/** Scans `packagesDir/<pkg>/{src,test}` and reports every import that goes against {@link ALLOWED}. */
export function findViolations(
  packagesDir: string,
  allowed: Readonly<Record<string, readonly string[]>> = ALLOWED,
  testAllowed: Readonly<Record<string, readonly string[]>> = TEST_ALLOWED,
): Violation[] {
  const violations: Violation[] = [];
  for (const pkg of readdirSync(packagesDir)) {
    const root = join(packagesDir, pkg);
    if (!statSync(root).isDirectory()) continue;
    for (const file of sourceFiles(root)) {
      const isTest = /\.test\.tsx?$/.test(file) || file.includes(`${sep}test${sep}`);
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        const to = targetPackage(specifier, file, packagesDir);
        if (to === undefined || to === pkg) continue;
        const ok =
          (allowed[pkg] ?? []).includes(to) ||
          (isTest && (to === 'testkit' || (testAllowed[pkg] ?? []).includes(to)));
        if (!ok) violations.push({ file: relative(packagesDir, file), from: pkg, to, specifier });
      }
    }
  }
  return violations;
}
