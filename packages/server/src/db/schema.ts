import type { Generated } from 'kysely';

/**
 * Tables, as Kysely sees them. Portable across SQLite and PostgreSQL by construction: ids are
 * text, timestamps are ISO-8601 UTC text (which sorts correctly), binary values are base64 text.
 */
export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  role: 'admin' | 'user';
  created_at: string;
}

export interface SessionsTable {
  /** sha256 of the cookie value: a stolen database does not yield live sessions. */
  id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  /** The first characters, to recognise a token in lists (`berth_pat_a1b2…`). */
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface SecretsTable {
  id: string;
  owner_id: string;
  /** Which master key wraps the data key. */
  key_id: string;
  wrapped_key: string;
  iv: string;
  ciphertext: string;
  tag: string;
  created_at: string;
  updated_at: string;
}

export interface AuditLogTable {
  id: string;
  at: string;
  actor_id: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  detail: string | null;
}

export interface LoginFailuresTable {
  id: Generated<number>;
  key: string;
  at: string;
}

export interface ConnectorsTable {
  id: string;
  owner_id: string;
  platform: string;
  name: string;
  /** Non-secret settings, JSON. */
  config: string;
  /** The sealed credentials (secrets table); null for anonymous access. */
  secret_id: string | null;
  credential_hint: string | null;
  status: 'ok' | 'error' | 'syncing' | 'pending';
  last_sync_at: string | null;
  last_error: string | null;
  repository_count: number;
  /** The quota the platform last reported, JSON (RateLimit); null when none. */
  rate_limit: string | null;
  created_at: string;
  updated_at: string;
}

export interface RepositoriesTable {
  id: string;
  connector_id: string;
  name: string;
  description: string | null;
  last_pushed_at: string | null;
  tag_count: number;
  /** Natural-order key (`v1.10` after `v1.9`), for keyset pagination. */
  sort_key: string;
  /** Hash of the tag listing last stored: a sync skips the repository when it is unchanged. */
  tags_hash: string | null;
}

/** One tag, keyed by (repository_id, sort_key, name): no id of its own (migration 0010). */
export interface TagsTable {
  repository_id: string;
  name: string;
  digest: string | null;
  media_type: string | null;
  size: number | null;
  pushed_at: string | null;
  /** JSON array of {os, architecture, variant?, digest}. */
  platforms: string | null;
  /** Natural-order key; `latest` sorts first. */
  sort_key: string;
}

export interface JobsTable {
  id: string;
  kind: string;
  /** Jobs with the same key never run at once (per-connector serialisation, single flight). */
  key: string;
  owner_id: string | null;
  connector_id: string | null;
  payload: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  max_attempts: number;
  progress: string | null;
  error: string | null;
  run_after: string;
  locked_until: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface CatalogEntriesTable {
  id: Generated<number>;
  /** A repository, or a tag name that at least one of the connector's repositories has. */
  kind: 'repository' | 'tag_name';
  /** The repository's id, or `connector id:tag name`. */
  ref_id: string;
  owner_id: string;
  connector_id: string;
  /** What search matches: the repository name, or the tag name. */
  text: string;
}

/**
 * Where repository names have a path segment (`zeta/api` has one, `api`): one row per `/` in
 * the name, with the lower-cased rest of the name after it. Search reads names with a segment
 * starting with the query as an index range instead of a trigram match over every such name.
 */
export interface CatalogSegmentsTable {
  owner_id: string;
  /** The lower-cased name from a segment's first character to its end (`api/v2` in `a/api/v2`). */
  segment: string;
  /** The repository's catalog entry (its rows go with it). */
  ref_id: string;
}

export interface LayerResultsTable {
  digest: string;
  analyzer_version: string;
  /** The serialised LayerResult (entries, captured small files), JSON. */
  result: string;
  created_at: string;
}

export interface ProfilesTable {
  id: string;
  /** One profile per platform-specific manifest: shared by every user who can reach it. */
  manifest_digest: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: string | null;
  error: string | null;
  /** The ContainerProfile, JSON, once done. */
  profile: string | null;
  created_at: string;
  updated_at: string;
}

/** Who may read a profile: a user, through one of their connectors or a public image (''). */
export interface ProfileGrantsTable {
  profile_id: string;
  owner_id: string;
  connector_key: string;
}

export interface DiffsTable {
  id: string;
  /** `left manifest digest|right manifest digest|metadata flag`: one diff per pair, for everyone. */
  pair_key: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: string | null;
  error: string | null;
  /** The ImageDiff, JSON, once done. */
  diff: string | null;
  /** How to reopen both images (specs and pinned references), JSON — for on-demand file diffs. */
  sides: string;
  created_at: string;
  updated_at: string;
}

/** Who may read a diff: a user, through the connectors (or public refs, '') of both sides. */
export interface DiffGrantsTable {
  diff_id: string;
  owner_id: string;
  connector_key: string;
}

export interface Schema {
  diffs: DiffsTable;
  diff_grants: DiffGrantsTable;
  layer_results: LayerResultsTable;
  profiles: ProfilesTable;
  profile_grants: ProfileGrantsTable;
  jobs: JobsTable;
  catalog_entries: CatalogEntriesTable;
  catalog_segments: CatalogSegmentsTable;
  connectors: ConnectorsTable;
  repositories: RepositoriesTable;
  tags: TagsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  secrets: SecretsTable;
  audit_log: AuditLogTable;
  login_failures: LoginFailuresTable;
}
