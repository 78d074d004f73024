import { parseApkInstalled } from './apk-installed.js';
import { describeBytes, finding, savingsSeverity, type AdviceInput } from './advice.js';
import type { ProfileAdvice, ProfilePackage } from './container-profile.js';

const BUILD_TOOL_NAMES = new Set([
  'build-essential',
  'build-base',
  'gcc',
  'g++',
  'cpp',
  'clang',
  'make',
  'cmake',
  'autoconf',
  'automake',
  'libtool',
  'pkg-config',
  'pkgconf',
  'binutils',
  'gfortran',
]);
/** `gcc-12`, `g++-12`, `cpp-12`, `binutils-x86-64-linux-gnu`, but not the runtime `gcc-12-base`. */
const BUILD_TOOL_PATTERN = /^(?:(?:gcc|g\+\+|cpp|clang|gfortran)-[0-9.]+|binutils-.+|.+-dev)$/;

/** Compilers, build systems and development headers, by OS package name. */
export function isBuildTool(pkg: Pick<ProfilePackage, 'type' | 'name'>): boolean {
  if (pkg.type !== 'deb' && pkg.type !== 'apk') return false;
  return BUILD_TOOL_NAMES.has(pkg.name) || BUILD_TOOL_PATTERN.test(pkg.name);
}

/**
 * The regular files (relative paths) each package installed, from dpkg's `info/<name>.list`
 * (or `<name>:<arch>.list` for Multi-Arch: same packages) and apk's `F:`/`R:` records.
 */
function packageFiles(input: AdviceInput, pkg: ProfilePackage): string[] {
  const fs = input.fileSystem;
  if (pkg.type === 'deb') {
    const list =
      fs.readFile(`var/lib/dpkg/info/${pkg.name}:${pkg.arch ?? ''}.list`) ??
      fs.readFile(`var/lib/dpkg/info/${pkg.name}.list`);
    return list
      ? list
          .toString('utf8')
          .split('\n')
          .map((line) => line.replace(/^\/+/, '').replace(/^\.$/, ''))
          .filter(Boolean)
      : [];
  }
  const db = fs.readFile('lib/apk/db/installed');
  if (!db) return [];
  const text = db.toString('utf8');
  for (const record of text.split(/\n\s*\n/)) {
    const parsed = parseApkInstalled(record)[0];
    if (parsed?.name !== pkg.name) continue;
    const out: string[] = [];
    let dir = '';
    for (const line of record.split('\n')) {
      if (line.startsWith('F:')) dir = line.slice(2);
      else if (line.startsWith('R:')) out.push(dir ? `${dir}/${line.slice(2)}` : line.slice(2));
    }
    return out;
  }
  return [];
}

interface BuildTools {
  readonly packages: string[];
  readonly bytes: number;
  /** Files, biggest first. */
  readonly paths: string[];
}

const cache = new WeakMap<AdviceInput, BuildTools>();

/** Build-tool packages and the exact bytes of the regular files they installed (each inode once). */
function buildTools(input: AdviceInput): BuildTools {
  const known = cache.get(input);
  if (known) return known;
  const tools = input.profile.packages.filter(isBuildTool);
  const seen = new Set<number>();
  const files: { path: string; size: number }[] = [];
  for (const pkg of tools) {
    for (const path of packageFiles(input, pkg)) {
      const node = input.fileSystem.lookup(path);
      if (node?.type !== 'file' || !node.inode || seen.has(node.inode.id)) continue;
      seen.add(node.inode.id);
      files.push({ path: `/${path}`, size: node.inode.size });
    }
  }
  files.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
  const result = {
    packages: [...new Set(tools.map((p) => p.name))].sort(),
    bytes: files.reduce((sum, f) => sum + f.size, 0),
    paths: files.map((f) => f.path),
  };
  cache.set(input, result);
  return result;
}

/** Compilers and headers in a runtime image: bytes, and attack surface. */
export function buildToolsRule(input: AdviceInput): ProfileAdvice[] {
  const tools = buildTools(input);
  if (tools.packages.length === 0) return [];
  const severity = savingsSeverity(tools.bytes, input.profile.overview.sizeUncompressed);
  return [
    finding(
      {
        id: 'build-tools',
        title: 'Compilers and build tools in a runtime image',
        detail: `${tools.packages.length} build package(s) (${tools.packages.slice(0, 8).join(', ')}${tools.packages.length > 8 ? ', …' : ''}) install ${describeBytes(tools.bytes)} that the running application should not need.`,
        estimatedSavingsBytes: tools.bytes,
        severity: severity === 'info' ? 'low' : severity,
        packages: tools.packages,
      },
      tools.paths,
    ),
  ];
}

/** The fix for build tools: compile in one stage, copy the result into a clean one. */
export function multiStageRule(input: AdviceInput): ProfileAdvice[] {
  const tools = buildTools(input);
  if (tools.packages.length === 0) return [];
  return [
    finding(
      {
        id: 'dockerfile-multi-stage',
        title: 'Use a multi-stage build',
        detail: `Build in a first stage and copy only the artefacts into a slim final stage, leaving the ${describeBytes(tools.bytes)} of ${tools.packages.length} build package(s) behind.`,
        estimatedSavingsBytes: tools.bytes,
        severity: savingsSeverity(tools.bytes, input.profile.overview.sizeUncompressed),
        packages: tools.packages,
        suggestion:
          'FROM debian:bookworm AS build\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential\n' +
          'COPY . /src\nRUN make -C /src\n\nFROM debian:bookworm-slim\nCOPY --from=build /src/out/app /usr/local/bin/app',
      },
      tools.paths,
    ),
  ];
}

const APT_INSTALL = /\bapt(?:-get)?\s+(?:-\S+\s+)*install\b/;
const NO_RECOMMENDS = /--no-install-recommends|Install-Recommends(?:=|\s+)(?:false|0)/i;

/** `apt-get install` without `--no-install-recommends` pulls in every recommended package too. */
export function noInstallRecommendsRule(input: AdviceInput): ProfileAdvice[] {
  const steps = input.profile.history
    .map((h, index) => ({ index, createdBy: h.createdBy ?? '' }))
    .filter((h) => APT_INSTALL.test(h.createdBy) && !NO_RECOMMENDS.test(h.createdBy));
  if (steps.length === 0) return [];
  return [
    finding({
      id: 'dockerfile-no-install-recommends',
      title: 'Install without recommended packages',
      detail: `${steps.length} build step(s) run apt-get install without --no-install-recommends, which also installs every recommended package.`,
      estimatedSavingsBytes: 0,
      severity: 'low',
      suggestion:
        'RUN apt-get update && apt-get install -y --no-install-recommends PACKAGES && rm -rf /var/lib/apt/lists/*',
    }),
  ];
}
