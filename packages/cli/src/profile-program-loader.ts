import { existsSync } from 'node:fs';
import type { Command } from 'commander';

type ProfileProgramModule = { createProfileProgram: () => Command };

/** Where `npm run build` bundles `berth profile` (scripts/bundle-cli.mjs), beside bin.js. */
const BUNDLE = './bundle/profile-program.js';

/**
 * `berth profile`'s program: from the bundle when running from the build and it exists (one
 * file to load instead of ~70 modules), else from the modules themselves (sources under tsx,
 * or a build made by tsc alone). A bundle that exists but fails to load is an error.
 */
export async function loadProfileProgram(fromBuild: boolean): Promise<ProfileProgramModule> {
  const bundle = new URL(BUNDLE, import.meta.url);
  if (fromBuild && existsSync(bundle)) return (await import(bundle.href)) as ProfileProgramModule;
  return import('./profile-program.js');
}
