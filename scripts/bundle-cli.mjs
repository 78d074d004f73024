// Bundles `berth profile` into a few files (packages/cli/dist/bundle/), part of `npm run build`.
//
// A one-shot `berth profile` spent ~0.1 s of its start-up resolving, reading and linking ~70 ES
// modules before its first request; bundled, the first request goes out ~35 ms sooner (2-core
// bench VM). bin.ts loads the bundle for `profile` when it exists, else the modules as built
// by tsc. Built from the TypeScript sources (the `berth-source` export condition), so the
// bundle does not depend on tsc's output; typechecking stays with tsc.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Writes the bundle into `outdir` (default packages/cli/dist/bundle). */
export async function bundleCli(outdir = `${root}packages/cli/dist/bundle`) {
  await build({
    absWorkingDir: root,
    entryPoints: {
      'profile-program': 'packages/cli/src/profile-program.ts',
      // layer-worker-pool.ts starts `./layer-worker.js` beside itself: beside the chunks here.
      'layer-worker': 'packages/analysis/src/layer-worker.ts',
    },
    outdir,
    bundle: true,
    // The commands' lazy imports (--server, --sbom) stay lazy: split into chunks.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['berth-source'],
    // Native addons are loaded at run time from node_modules.
    external: ['zstd-napi', 'better-sqlite3', 'pg', 'pg-native'],
    // commander is CommonJS: its require() calls of Node built-ins need a real `require`.
    banner: {
      js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);",
    },
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleCli(process.argv[2]);
}
