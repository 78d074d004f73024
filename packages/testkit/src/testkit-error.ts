/**
 * The one error type of the testkit. Test helpers fail loudly with a stable `code` so a failing
 * fixture is told apart from a failing assertion at a glance.
 */
export type TestkitErrorCode =
  'invalid_argument' | 'command_failed' | 'not_ready' | 'digest_mismatch' | 'lock_timeout' | 'not_found';

export class TestkitError extends Error {
  override readonly name = 'TestkitError';
  readonly code: TestkitErrorCode;

  constructor(code: TestkitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
