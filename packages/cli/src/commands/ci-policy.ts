import type { AdviceSeverity, ContainerProfile, ProfileAdvice } from '@berth/analysis';

/** What `berth ci` enforces; an undefined threshold is not checked. */
export interface CiPolicy {
  /** 0..1: the profile's efficiency score must be at least this. */
  readonly minEfficiency?: number;
  readonly maxWastedBytes?: number;
  /** 0..100: wasted bytes as a share of the uncompressed image. */
  readonly maxWastedPercent?: number;
  /** Any advice finding at or above this severity fails. */
  readonly failOn?: AdviceSeverity;
}

/** dive's CI defaults (lowestEfficiency 0.9, highestUserWastedPercent 0.1); the rest off. */
export const DEFAULT_CI_POLICY: Readonly<CiPolicy> = Object.freeze({
  minEfficiency: 0.9,
  maxWastedPercent: 10,
});

export const CI_CONFIG_FILE = '.berth-ci.yml';
const SEVERITIES: readonly AdviceSeverity[] = ['info', 'low', 'medium', 'high'];
const KEYS = ['min-efficiency', 'max-wasted-bytes', 'max-wasted-percent', 'fail-on'] as const;
export type CiPolicyKey = (typeof KEYS)[number];

export class CiPolicyError extends Error {
  override readonly name = 'CiPolicyError';
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** `50MB` (decimal, as `berth profile` prints sizes), `50MiB`, `1.5 GB`, `1024`. */
export function parseSize(text: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = UNITS[(match?.[2] ?? '').toLowerCase()];
  if (!match || unit === undefined)
    throw new CiPolicyError(`${JSON.stringify(text)} is not a size (e.g. 50MB, 20MiB, 1024)`);
  return Math.round(Number(match[1]) * unit);
}

/** `0.9` or `90%`. */
export function parseRatio(text: string): number {
  const t = text.trim();
  const value = t.endsWith('%') ? Number(t.slice(0, -1)) / 100 : Number(t);
  if (t === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new CiPolicyError(`${JSON.stringify(text)} is not a ratio from 0 to 1 (e.g. 0.9 or 90%)`);
  }
  return value;
}

/** `10` or `10%`. */
export function parsePercent(text: string): number {
  const t = text.trim().replace(/%$/, '');
  const value = Number(t);
  if (t === '' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new CiPolicyError(`${JSON.stringify(text)} is not a percentage from 0 to 100`);
  }
  return value;
}

export function parseSeverity(text: string): AdviceSeverity {
  const value = text.trim().toLowerCase() as AdviceSeverity;
  if (!SEVERITIES.includes(value))
    throw new CiPolicyError(`${JSON.stringify(text)} is not one of ${SEVERITIES.join(', ')}`);
  return value;
}

/** Sets one policy key from its text; `off` (or `none`, `disabled`) turns a check off. */
export function applyPolicyValue(policy: CiPolicy, key: CiPolicyKey, text: string): CiPolicy {
  const off = /^(off|none|disabled|false)$/i.test(text.trim());
  const set = <K extends keyof CiPolicy>(k: K, value: CiPolicy[K] | undefined): CiPolicy => {
    const { [k]: _dropped, ...rest } = policy;
    return value === undefined ? rest : { ...rest, [k]: value };
  };
  switch (key) {
    case 'min-efficiency':
      return set('minEfficiency', off ? undefined : parseRatio(text));
    case 'max-wasted-bytes':
      return set('maxWastedBytes', off ? undefined : parseSize(text));
    case 'max-wasted-percent':
      return set('maxWastedPercent', off ? undefined : parsePercent(text));
    case 'fail-on':
      return set('failOn', off ? undefined : parseSeverity(text));
  }
}

/**
 * Reads `.berth-ci.yml`: the YAML subset of flat `key: value` lines, `#` comments, blank lines
 * and quoted values. Keys are the command's option names (`min-efficiency: 0.9`; camelCase is
 * accepted too); anything else is an error naming the line, so a typo never silently disables a check.
 */
export function parseCiConfig(text: string, policy: CiPolicy = {}): CiPolicy {
  let out = policy;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/\s+#.*$/, '').trimEnd();
    if (line.trim() === '' || line.trimStart().startsWith('#') || line.trim() === '---') return;
    const match = /^([A-Za-z][A-Za-z-]*)\s*:\s*(.*)$/.exec(line);
    if (!match)
      throw new CiPolicyError(
        `${CI_CONFIG_FILE} line ${index + 1}: expected "key: value", got ${JSON.stringify(raw)}`,
      );
    const key = (match[1] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) as CiPolicyKey;
    if (!KEYS.includes(key)) {
      throw new CiPolicyError(
        `${CI_CONFIG_FILE} line ${index + 1}: unknown key ${JSON.stringify(match[1])} (known: ${KEYS.join(', ')})`,
      );
    }
    const value = (match[2] ?? '').trim().replace(/^(["'])(.*)\1$/, '$2');
    try {
      out = applyPolicyValue(out, key, value);
    } catch (error) {
      throw new CiPolicyError(`${CI_CONFIG_FILE} line ${index + 1}: ${key}: ${(error as Error).message}`);
    }
  });
  return out;
}

export interface CiCheck {
  readonly name: string;
  readonly passed: boolean;
  /** `98.2% ≥ 90.0%` */
  readonly detail: string;
  readonly findings?: readonly ProfileAdvice[];
}

export interface CiResult {
  readonly passed: boolean;
  readonly checks: readonly CiCheck[];
  readonly wastedPercent: number;
}

/** Evaluates the policy against a profile. */
export function evaluateCiPolicy(
  profile: ContainerProfile,
  policy: CiPolicy,
  formatBytes: (n: number) => string,
): CiResult {
  const checks: CiCheck[] = [];
  const { efficiency, overview } = profile;
  const wastedPercent =
    overview.sizeUncompressed > 0 ? (efficiency.wastedBytes / overview.sizeUncompressed) * 100 : 0;
  const pct = (n: number): string => `${n.toFixed(1)}%`;
  if (policy.minEfficiency !== undefined) {
    const passed = efficiency.score >= policy.minEfficiency;
    checks.push({
      name: 'efficiency',
      passed,
      detail: `${pct(efficiency.score * 100)} ${passed ? '≥' : '<'} ${pct(policy.minEfficiency * 100)}`,
    });
  }
  if (policy.maxWastedBytes !== undefined) {
    const passed = efficiency.wastedBytes <= policy.maxWastedBytes;
    checks.push({
      name: 'wasted bytes',
      passed,
      detail: `${formatBytes(efficiency.wastedBytes)} ${passed ? '≤' : '>'} ${formatBytes(policy.maxWastedBytes)}`,
    });
  }
  if (policy.maxWastedPercent !== undefined) {
    const passed = wastedPercent <= policy.maxWastedPercent;
    checks.push({
      name: 'wasted share',
      passed,
      detail: `${pct(wastedPercent)} of the image ${passed ? '≤' : '>'} ${pct(policy.maxWastedPercent)}`,
    });
  }
  if (policy.failOn !== undefined) {
    const rank = SEVERITIES.indexOf(policy.failOn);
    const findings = profile.advice.filter((a) => SEVERITIES.indexOf(a.severity) >= rank);
    checks.push({
      name: 'advice',
      passed: findings.length === 0,
      detail: `${findings.length} finding(s) at or above ${policy.failOn}`,
      findings,
    });
  }
  return { passed: checks.every((c) => c.passed), checks, wastedPercent };
}
