/**
 * The server's typed error: a stable `code` (the contract in API.md problem documents), the
 * HTTP status it maps to, and a `detail` safe to show to the caller. Mapped to RFC 9457
 * problem responses in exactly one place (`http/problem.ts`).
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;
  /** Extra response headers (e.g. `retry-after`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: string,
    detail: string,
    options: { cause?: unknown; retryable?: boolean; headers?: Record<string, string> } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.headers = options.headers ?? {};
  }
}

export const badRequest = (code: string, detail: string): AppError => new AppError(400, code, detail);
export const unauthorized = (code: string, detail: string): AppError => new AppError(401, code, detail);
export const forbidden = (code: string, detail: string): AppError => new AppError(403, code, detail);
export const notFound = (what: string): AppError => new AppError(404, 'not_found', `${what} was not found`);
export const conflict = (code: string, detail: string): AppError => new AppError(409, code, detail);
