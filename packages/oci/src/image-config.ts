import { OciError } from './errors.js';

/** The runtime part of an image configuration (OCI image-spec `config.md`, `config` field). */
export interface RuntimeConfig {
  readonly user?: string;
  readonly env?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly workingDir?: string;
  readonly exposedPorts?: readonly string[];
  readonly volumes?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly stopSignal?: string;
}

export interface HistoryEntry {
  readonly created?: string;
  readonly createdBy?: string;
  readonly comment?: string;
  readonly emptyLayer: boolean;
}

export interface ImageConfig {
  readonly architecture: string;
  readonly os: string;
  readonly variant?: string;
  readonly created?: string;
  readonly author?: string;
  readonly config: RuntimeConfig;
  readonly diffIds: readonly string[];
  readonly history: readonly HistoryEntry[];
}

/** Parses an image config blob; unknown fields are ignored, wrong types are errors. */
export function parseImageConfig(raw: Uint8Array): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch (cause) {
    throw new OciError('invalid_manifest', 'the image config is not valid JSON', { cause });
  }
  if (!isObject(doc)) throw new OciError('invalid_manifest', 'the image config is not a JSON object');
  const c = isObject(doc.config) ? doc.config : {};
  const rootfs = isObject(doc.rootfs) ? doc.rootfs : {};
  const config: RuntimeConfig = {
    ...opt('user', str(c.User)),
    ...opt('env', strings(c.Env)),
    ...opt('entrypoint', strings(c.Entrypoint)),
    ...opt('cmd', strings(c.Cmd)),
    ...opt('workingDir', str(c.WorkingDir)),
    ...opt('exposedPorts', isObject(c.ExposedPorts) ? Object.keys(c.ExposedPorts) : undefined),
    ...opt('volumes', isObject(c.Volumes) ? Object.keys(c.Volumes) : undefined),
    ...opt('labels', isObject(c.Labels) ? stringRecord(c.Labels) : undefined),
    ...opt('stopSignal', str(c.StopSignal)),
  };
  const diffIds = strings(rootfs.diff_ids) ?? [];
  const history = Array.isArray(doc.history)
    ? doc.history.filter(isObject).map((h) => ({
        ...opt('created', str(h.created)),
        ...opt('createdBy', str(h.created_by)),
        ...opt('comment', str(h.comment)),
        emptyLayer: h.empty_layer === true,
      }))
    : [];
  return {
    architecture: str(doc.architecture) ?? '',
    os: str(doc.os) ?? '',
    ...opt('variant', str(doc.variant)),
    ...opt('created', str(doc.created)),
    ...opt('author', str(doc.author)),
    config,
    diffIds,
    history,
  };
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
}

function stringRecord(v: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
