/**
 * Typed errors of the registry client. Every failure carries a stable `code`, whether it is
 * worth retrying, the HTTP status when there was one, the registry's own diagnostics
 * (`{errors:[{code, message, detail}]}` from the distribution spec) and the underlying cause.
 * Messages never contain credentials or tokens: build them with {@link redact}.
 */
export type OciErrorCode =
  | 'invalid_reference'
  | 'invalid_argument'
  | 'unauthorized'
  | 'denied'
  | 'not_found'
  | 'unsupported_manifest'
  | 'invalid_manifest'
  | 'manifest_too_large'
  | 'response_too_large'
  | 'digest_mismatch'
  | 'size_mismatch'
  | 'platform_not_found'
  | 'rate_limited'
  | 'timeout'
  | 'endpoint_unreachable'
  | 'endpoint_blocked'
  | 'tls_error'
  | 'registry_error'
  | 'invalid_response'
  | 'aborted';

/** One entry of a registry's error body (OCI distribution-spec "Error Codes"). */
export interface RegistryDiagnostic {
  readonly code: string;
  readonly message: string;
  readonly detail?: unknown;
}

export interface OciErrorOptions {
  readonly retryable?: boolean;
  readonly status?: number;
  readonly diagnostics?: readonly RegistryDiagnostic[];
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

export class OciError extends Error {
  override readonly name = 'OciError';
  readonly code: OciErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly diagnostics: readonly RegistryDiagnostic[];
  /** For `rate_limited`: how long the registry asked us to wait. */
  readonly retryAfterMs: number | undefined;

  constructor(code: OciErrorCode, message: string, options: OciErrorOptions = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.status = options.status;
    this.diagnostics = options.diagnostics ?? [];
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Type guard that also narrows by code: `isOciError(e, 'not_found')`. */
export function isOciError(error: unknown, code?: OciErrorCode): error is OciError {
  return error instanceof OciError && (code === undefined || error.code === code);
}

const SECRET_PATTERNS: readonly [RegExp, string][] = [
  // Credentials embedded in URLs: scheme://user:pass@host
  [/([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi, '$1***@'],
  // Authorization header values
  [/\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]+/g, '$1 ***'],
  // Query parameters and JSON fields that carry secrets
  [
    /\b(access_token|refresh_token|token|password|secret|client_secret|X-Amz-Signature|X-Amz-Credential|sig|signature)=([^&\s"]+)/gi,
    '$1=***',
  ],
  [/"(access_token|refresh_token|token|password|secret|identitytoken)"\s*:\s*"[^"]*"/gi, '"$1":"***"'],
  // JWTs anywhere
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '***'],
];

/** Removes credentials, tokens and signed-URL secrets from text meant for people or logs. */
export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
