// Bundles `berth profile` into a few files (packages/cli/dist/bundle/), part of `npm run build`.
//
// A one-shot `berth profile` spent ~0.1 s of its start-up resolving, reading and linking ~70 ES
// modules before its first request; bundled, the first request goes out ~35 ms sooner (2-core
// bench VM). bin.ts loads the bundle for `profile` when it exists, else the modules as built
// by tsc. Built from the TypeScript sources (the `berth-source` export condition), so the
// bundle does not depend on tsc's output; typechecking stays with tsc.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * commander loads node:child_process when it loads (for executable subcommands, which berth
 * does not use): ~10 ms of a one-shot start-up. Its `require` of it gets a stand-in that loads
 * the real module on first use.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'child_process', namespace: 'berth-lazy-builtin' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'berth-lazy-builtin' }, () => ({
      contents:
        "let real;\nmodule.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });\n",
      loader: 'js',
    }));
  },
};

/** Writes the bundle into `outdir` (default packages/cli/dist/bundle), replacing what was there. */
export async function bundleCli(outdir = `${root}packages/cli/dist/bundle`) {
  // Chunk names carry content hashes: an old build's chunks would otherwise pile up.
  rmSync(outdir, { recursive: true, force: true });
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
    plugins: [lazyChildProcessForCommander],
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleCli(process.argv[2]);
}
