import type { ProfileConfig } from './container-profile.js';

/** One runtime-config difference; `field` is `entrypoint`, `env.PATH`, `labels.version`… */
export interface ConfigChange {
  readonly field: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly left: unknown;
  readonly right: unknown;
}

/**
 * Compares two runtime configs field by field: entrypoint, cmd, user, workdir, stopSignal,
 * ports, volumes and healthcheck as whole values; env per variable (`env.NAME`, `added` when
 * only the right side sets it) and labels per key (`labels.KEY`). Equal configs give `[]`.
 *
 * @example
 * diffConfigs(left.profile.config, right.profile.config);
 * // [{ field: 'env.APP_VERSION', change: 'changed', left: '1.0', right: '1.1' }]
 */
export function diffConfigs(left: ProfileConfig, right: ProfileConfig): ConfigChange[] {
  const out: ConfigChange[] = [];
  const whole = (field: string, l: unknown, r: unknown, empty: (v: unknown) => boolean): void => {
    if (JSON.stringify(l) === JSON.stringify(r)) return;
    out.push({ field, change: empty(l) ? 'added' : empty(r) ? 'removed' : 'changed', left: l, right: r });
  };
  const isNull = (v: unknown): boolean => v === null || v === undefined;
  const isBlank = (v: unknown): boolean => isNull(v) || v === '';
  const isEmptyList = (v: unknown): boolean => isNull(v) || (Array.isArray(v) && v.length === 0);
  whole('entrypoint', left.entrypoint, right.entrypoint, isNull);
  whole('cmd', left.cmd, right.cmd, isNull);
  perKey('env', envMap(left.env), envMap(right.env), out);
  whole('user', left.user, right.user, isBlank);
  whole('ports', sorted(left.exposedPorts), sorted(right.exposedPorts), isEmptyList);
  whole('volumes', sorted(left.volumes), sorted(right.volumes), isEmptyList);
  perKey('labels', new Map(Object.entries(left.labels)), new Map(Object.entries(right.labels)), out);
  whole('workdir', left.workingDir, right.workingDir, isBlank);
  whole('stopSignal', left.stopSignal, right.stopSignal, isBlank);
  whole('healthcheck', left.healthcheck, right.healthcheck, isNull);
  return out;
}

/** `NAME=value` entries; a later duplicate wins, as the runtime applies them. */
function envMap(env: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of env) {
    const eq = entry.indexOf('=');
    if (eq < 0) map.set(entry, '');
    else map.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return map;
}

function perKey(prefix: string, l: Map<string, string>, r: Map<string, string>, out: ConfigChange[]): void {
  const keys = [...new Set([...l.keys(), ...r.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const key of keys) {
    const a = l.get(key);
    const b = r.get(key);
    if (a === b) continue;
    out.push({
      field: `${prefix}.${key}`,
      change: a === undefined ? 'added' : b === undefined ? 'removed' : 'changed',
      left: a ?? null,
      right: b ?? null,
    });
  }
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}
