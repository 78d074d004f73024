/**
 * Version ordering for package diffs: an upgrade or a downgrade is only as right as the
 * comparison, and each package ecosystem orders versions its own way.
 */

/**
 * Compares two Debian package versions as `dpkg --compare-versions` does (Debian Policy
 * §5.6.12 "Version"): `[epoch:]upstream_version[-debian_revision]`, the epoch compared as a
 * number, then the upstream version and the revision with dpkg's `verrevcmp` — alternating
 * non-digit runs (letters sort before other characters, `~` before everything, even the end
 * of the string) and digit runs compared as numbers. Negative, zero or positive like a comparator.
 *
 * @example
 * compareDebianVersions('1.0~rc1-1', '1.0-1'); // < 0: `~` sorts before the end
 * compareDebianVersions('1:0.9', '2.0'); // > 0: the epoch wins
 */
export function compareDebianVersions(a: string, b: string): number {
  const left = parseDebianVersion(a);
  const right = parseDebianVersion(b);
  if (left.epoch !== right.epoch) return left.epoch < right.epoch ? -1 : 1;
  return sign(verrevcmp(left.upstream, right.upstream)) || sign(verrevcmp(left.revision, right.revision));
}

export interface DebianVersion {
  readonly epoch: number;
  readonly upstream: string;
  readonly revision: string;
}

/** Splits a Debian version: the epoch before the first `:`, the revision after the last `-`. */
export function parseDebianVersion(version: string): DebianVersion {
  let rest = version.trim();
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon >= 0 && /^[0-9]+$/.test(rest.slice(0, colon))) {
    epoch = Number(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  return dash < 0
    ? { epoch, upstream: rest, revision: '' }
    : { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** dpkg lib/dpkg/version.c `order()`: the end of the string is 0, `~` is −1. */
function order(c: number | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126 /* ~ */) return -1;
  return c + 256;
}

/** dpkg lib/dpkg/version.c `verrevcmp()`. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const code = (s: string, k: number): number | undefined => (k < s.length ? s.charCodeAt(k) : undefined);
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(code(a, i));
      const bc = order(code(b, j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (code(a, i) === 48) i++;
    while (code(b, j) === 48) j++;
    while (i < a.length && j < b.length && isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isDigit(a.charCodeAt(i))) return 1;
    if (j < b.length && isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/** apk-tools version suffixes (apk-tools src/version.c), lowest first; a plain release sits between. */
const APK_PRE = ['alpha', 'beta', 'pre', 'rc'];
const APK_POST = ['cvs', 'svn', 'git', 'hg', 'p'];

/**
 * Compares two Alpine apk versions (`1.2.3a_rc1-r4`): numeric dot components, an optional
 * letter, `_suffix[N]` (`_alpha` < `_beta` < `_pre` < `_rc` < none < `_cvs` … `_p`), then the
 * `-rN` package release. Versions that do not parse fall back to {@link compareLooseVersions}.
 *
 * @example
 * compareApkVersions('3.1.4-r5', '3.1.4-r10'); // < 0
 */
export function compareApkVersions(a: string, b: string): number {
  const left = parseApk(a);
  const right = parseApk(b);
  if (!left || !right) return compareLooseVersions(a, b);
  const n = Math.max(left.numbers.length, right.numbers.length);
  for (let k = 0; k < n; k++) {
    const x = left.numbers[k];
    const y = right.numbers[k];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  if (left.letter !== right.letter) return left.letter < right.letter ? -1 : 1;
  const m = Math.max(left.suffixes.length, right.suffixes.length);
  for (let k = 0; k < m; k++) {
    const x = left.suffixes[k] ?? [0, 0];
    const y = right.suffixes[k] ?? [0, 0];
    if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
    if (x[1] !== y[1]) return x[1] < y[1] ? -1 : 1;
  }
  return left.release === right.release ? 0 : left.release < right.release ? -1 : 1;
}

interface ApkVersion {
  numbers: number[];
  letter: string;
  /** [rank, number]: rank < 0 pre-release, > 0 post-release. */
  suffixes: [number, number][];
  release: number;
}

function parseApk(version: string): ApkVersion | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)*)([a-z]?)((?:_[a-z]+[0-9]*)*)(?:-r([0-9]+))?$/.exec(version.trim());
  if (!match) return undefined;
  const suffixes: [number, number][] = [];
  for (const part of (match[3] ?? '').split('_').filter(Boolean)) {
    const [, name = '', num = '0'] = /^([a-z]+)([0-9]*)$/.exec(part) ?? [];
    const pre = APK_PRE.indexOf(name);
    const post = APK_POST.indexOf(name);
    if (pre < 0 && post < 0) return undefined;
    suffixes.push([pre >= 0 ? pre - APK_PRE.length : post + 1, Number(num || '0')]);
  }
  return {
    numbers: (match[1] ?? '').split('.').map(Number),
    letter: match[2] ?? '',
    suffixes,
    release: Number(match[4] ?? '0'),
  };
}

/**
 * Semver-ish ordering for everything else (npm, PyPI, Go modules): a leading `v` is ignored,
 * digit runs compare as numbers and other runs as text, a `+build` suffix is ignored, and a
 * pre-release (`1.0.0-rc.1`, `2.0.0rc1`, `1.0a1`) sorts before its release.
 *
 * @example
 * compareLooseVersions('v1.10.0', 'v1.9.3'); // > 0
 * compareLooseVersions('1.0.0-rc.1', '1.0.0'); // < 0
 */
export function compareLooseVersions(a: string, b: string): number {
  const x = tokens(a);
  const y = tokens(b);
  const n = Math.max(x.length, y.length);
  for (let k = 0; k < n; k++) {
    const p = x[k];
    const q = y[k];
    if (p === undefined || q === undefined) {
      // `1.0` vs `1.0.1`: more numbers is newer; `1.0` vs `1.0rc1`: a text token is a pre-release.
      const extra = (p ?? q) as string | number;
      const longerIsNewer = typeof extra === 'number';
      return (p === undefined) === longerIsNewer ? -1 : 1;
    }
    if (typeof p === 'number' && typeof q === 'number') {
      if (p !== q) return p < q ? -1 : 1;
    } else if (typeof p === 'number' || typeof q === 'number') {
      // A number against text: `1.0.1` vs `1.0.rc1` (the release is newer).
      return typeof p === 'number' ? 1 : -1;
    } else if (p !== q) {
      return p < q ? -1 : 1;
    }
  }
  return 0;
}

function tokens(version: string): (string | number)[] {
  const core = version
    .trim()
    .replace(/^v(?=[0-9])/, '')
    .replace(/\+.*$/, '');
  return (core.match(/[0-9]+|[A-Za-z]+/g) ?? []).map((t) => (/^[0-9]/.test(t) ? Number(t) : t.toLowerCase()));
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/**
 * Compares two rpm versions `[epoch:]version[-release]` as rpm does (`rpm.vercmp`, rpmio
 * `rpmvercmp.c` and `rpmver.c`): the epoch (missing is 0), then the version, then the
 * release, each with {@link rpmvercmp}.
 *
 * @example
 * compareRpmVersions('1:1.0-1', '2.0-1'); // > 0: the epoch wins
 * compareRpmVersions('1.0~rc1-1', '1.0-1'); // < 0
 */
export function compareRpmVersions(a: string, b: string): number {
  const left = parseRpmEvr(a);
  const right = parseRpmEvr(b);
  return (
    rpmvercmp(left.epoch, right.epoch) ||
    rpmvercmp(left.version, right.version) ||
    rpmvercmp(left.release, right.release)
  );
}

/** rpm's EVR split: digits before a `:` are the epoch, the release follows the last `-`. */
export function parseRpmEvr(evr: string): { epoch: string; version: string; release: string } {
  let rest = evr.trim();
  let epoch = '0';
  const colon = /^([0-9]*):/.exec(rest);
  if (colon) {
    epoch = colon[1] === '' ? '0' : (colon[1] as string);
    rest = rest.slice(colon[0].length);
  }
  const dash = rest.lastIndexOf('-');
  return dash < 0
    ? { epoch, version: rest, release: '' }
    : { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
}

const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c);

/**
 * rpm's `rpmvercmp()`: compares alternating digit and letter segments, other characters only
 * separate; digit segments compare as numbers and beat letter segments; `~` sorts before
 * everything (even the end), `^` after the end but before anything else; if all segments
 * match, the string with characters left over is newer. Returns −1, 0 or 1.
 */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const at = (s: string, k: number): number => (k < s.length ? s.charCodeAt(k) : 0);
  const TILDE = 126;
  const CARET = 94;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(at(a, i)) && at(a, i) !== TILDE && at(a, i) !== CARET) i++;
    while (j < b.length && !isAlnum(at(b, j)) && at(b, j) !== TILDE && at(b, j) !== CARET) j++;
    const ca = at(a, i);
    const cb = at(b, j);
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === CARET || cb === CARET) {
      if (ca === 0) return -1;
      if (cb === 0) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === 0 || cb === 0) break;
    const numeric = isDigit(ca);
    const inSegment = numeric ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (ei < a.length && inSegment(at(a, ei))) ei++;
    while (ej < b.length && inSegment(at(b, ej))) ej++;
    // A numeric segment against a letter one (which reads as empty): the number is newer.
    if (ej === j) return numeric ? 1 : -1;
    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (numeric) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  const restA = i < a.length;
  const restB = j < b.length;
  if (!restA && !restB) return 0;
  return restA ? 1 : -1;
}
