import { buildToolsRule, multiStageRule, noInstallRecommendsRule } from './advice-build-tools.js';
import { certificatesRule, rootUserRule, secretsRule, setuidRule, shellsRule } from './advice-security.js';
import {
  cleanupSameRunRule,
  deadBytesRule,
  duplicateFilesRule,
  largeFilesRule,
  packageCachesRule,
  smallLayersRule,
} from './advice-waste.js';
import type { ComposeLayer } from './compose-profile.js';
import type { AdviceSeverity, ContainerProfile, ProfileAdvice } from './container-profile.js';
import type { FsNode, MergedFileSystem } from './merged-fs.js';

/** The thresholds advice rules use; every one has a named default. */
export interface AdviceThresholds {
  /** A regular file at least this large is reported by `large-files`. */
  readonly largeFileBytes: number;
  /** A layer whose uncompressed tar is smaller than this counts as small. */
  readonly smallLayerBytes: number;
  /** `small-layers` is reported from this many small layers on. */
  readonly minSmallLayers: number;
}

export const DEFAULT_ADVICE_THRESHOLDS: Readonly<AdviceThresholds> = Object.freeze({
  largeFileBytes: 50 * 1024 * 1024,
  smallLayerBytes: 1024 * 1024,
  minSmallLayers: 5,
});

/** Most paths one finding lists; `pathCount` has the full number. */
export const ADVICE_MAX_PATHS = 100;

/** What the rules see: the composed profile (without advice) and what it was composed from. */
export interface AdviceInput {
  readonly profile: Omit<ContainerProfile, 'advice'>;
  readonly fileSystem: MergedFileSystem;
  readonly layers: readonly ComposeLayer[];
  readonly thresholds: Readonly<AdviceThresholds>;
  /** Every non-directory path of the merged file system (relative), walked once for all rules. */
  readonly files: readonly (readonly [string, FsNode])[];
}

/** One rule: zero or more findings. Pure, deterministic, and savings from actual bytes only. */
export type AdviceRule = (input: AdviceInput) => ProfileAdvice[];

export const ADVICE_RULES: readonly AdviceRule[] = [
  deadBytesRule,
  packageCachesRule,
  cleanupSameRunRule,
  buildToolsRule,
  multiStageRule,
  noInstallRecommendsRule,
  duplicateFilesRule,
  largeFilesRule,
  smallLayersRule,
  rootUserRule,
  shellsRule,
  setuidRule,
  secretsRule,
  certificatesRule,
];

const SEVERITY_RANK: Record<AdviceSeverity, number> = { high: 3, medium: 2, low: 1, info: 0 };

/**
 * Runs every advice rule over a composed profile. Findings come most severe first, then by
 * bytes saved. Savings of different findings may overlap (a cache deleted in a later layer is
 * dead bytes too): each finding says what acting on it alone would save. `files` (every
 * non-directory path of the merged file system, in walk order) spares a second walk of the tree
 * when the caller has walked it already.
 *
 * @example
 * const advice = computeAdvice({ profile, fileSystem, layers, thresholds: DEFAULT_ADVICE_THRESHOLDS });
 */
export function computeAdvice(
  base: Omit<AdviceInput, 'files'> & { readonly files?: AdviceInput['files'] },
): ProfileAdvice[] {
  let files = base.files;
  if (!files) {
    const walked: [string, FsNode][] = [];
    for (const [path, node] of base.fileSystem.walk()) if (node.type !== 'dir') walked.push([path, node]);
    files = walked;
  }
  const input: AdviceInput = { ...base, files };
  return ADVICE_RULES.flatMap((rule) => rule(input)).sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      b.estimatedSavingsBytes - a.estimatedSavingsBytes ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** True when `severity` is at least `threshold` (`high` ≥ `medium` ≥ `low` ≥ `info`). */
export function severityAtLeast(severity: AdviceSeverity, threshold: AdviceSeverity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}

const MiB = 1024 * 1024;

/**
 * Severity of a saving, from its bytes and its share of the image (uncompressed): `high` from
 * 100 MiB or 20 %, `medium` from 10 MiB or 5 %, `low` below, `info` when nothing is saved.
 */
export function savingsSeverity(bytes: number, imageBytes: number): AdviceSeverity {
  if (bytes <= 0) return 'info';
  const share = imageBytes > 0 ? bytes / imageBytes : 1;
  if (bytes >= 100 * MiB || share >= 0.2) return 'high';
  if (bytes >= 10 * MiB || share >= 0.05) return 'medium';
  return 'low';
}

/** Builds a finding, capping its path list. */
export function finding(
  fields: Omit<ProfileAdvice, 'paths' | 'pathCount'>,
  paths: readonly string[] = [],
): ProfileAdvice {
  return { ...fields, paths: paths.slice(0, ADVICE_MAX_PATHS), pathCount: paths.length };
}

/** `12.3 MB`, decimal units as the CLI prints sizes. */
export function describeBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
