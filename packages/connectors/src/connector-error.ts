import type { OciError } from '@berth/oci';
import { isOciError } from '@berth/oci';

/**
 * Why a connector cannot do what was asked, as a stable `code` and a sentence a person can act
 * on (shown as is in the portal and the CLI). Never contains a secret.
 */
export type ConnectorErrorCode =
  | 'invalid_configuration'
  | 'invalid_credentials'
  | 'insufficient_permissions'
  | 'endpoint_unreachable'
  | 'endpoint_blocked'
  | 'rate_limited'
  | 'not_found'
  | 'vendor_error';

export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  readonly code: ConnectorErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ConnectorErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean; retryAfterMs?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Turns registry-client failures into connector errors, phrased for the platform's name. */
export function fromOciError(error: unknown, platformName: string): unknown {
  if (error instanceof ConnectorError || !isOciError(error)) return error;
  const e: OciError = error;
  switch (e.code) {
    case 'unauthorized':
      return new ConnectorError(
        'invalid_credentials',
        `${platformName} rejected the credentials: ${e.message}`,
        { cause: e },
      );
    case 'denied':
      return new ConnectorError(
        'insufficient_permissions',
        `${platformName} accepted the credentials but they may not do this: ${e.message}`,
        { cause: e },
      );
    case 'endpoint_unreachable':
    case 'timeout':
    case 'tls_error':
      return new ConnectorError('endpoint_unreachable', `${platformName} cannot be reached: ${e.message}`, {
        cause: e,
        retryable: e.retryable,
      });
    case 'endpoint_blocked':
      return new ConnectorError('endpoint_blocked', e.message, { cause: e });
    case 'rate_limited':
      return new ConnectorError('rate_limited', `${platformName} is rate limiting Berth: ${e.message}`, {
        cause: e,
        retryable: true,
        ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
      });
    case 'not_found':
      return new ConnectorError('not_found', e.message, { cause: e });
    default:
      return new ConnectorError('vendor_error', `${platformName}: ${e.message}`, {
        cause: e,
        retryable: e.retryable,
      });
  }
}
