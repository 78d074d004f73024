import pino, { type DestinationStream, type Logger } from 'pino';
import { redact } from '@berth/oci';

/** Keys whose values are secrets wherever they appear in a log record. */
const SECRET_KEY =
  /(pass(word|phrase)?|secret|token|authorization|cookie|credential|api[-_]?key|private[-_]?key|master[-_]?key)/i;
/** …except names that only point at a secret (ids, counts, hints). */
const NOT_SECRET_KEY = /(id|ids|count|hint|prefix|name|expires(at|in)?)$/i;

/** Deep copy of a log record with every secret-looking field and token-looking text masked. */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, depth + 1));
  // Only plain records are copied; class instances (requests, errors) go to their serializers,
  // which pino applies after this formatter and which pick safe fields themselves.
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key) ? '[redacted]' : scrubSecrets(v, depth + 1);
  }
  return out;
}

interface RequestLike {
  method?: string;
  url?: string;
  ip?: string;
  id?: string;
}

/**
 * Structured JSON logs (pino). Every record passes through {@link scrubSecrets}; requests are
 * logged as method, path (with secret query values masked) and client address only — never
 * headers, so `Authorization` and cookies cannot reach the log.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'berth' },
      formatters: { log: (record) => scrubSecrets(record) as Record<string, unknown> },
      // Messages are not part of the record the formatter sees: mask them on the way in.
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a: unknown) => (typeof a === 'string' ? redact(a) : a)) as Parameters<typeof method>,
          );
        },
      },
      serializers: {
        req: (req: RequestLike) => ({
          method: req.method,
          url: req.url === undefined ? undefined : redact(req.url),
          ip: req.ip,
          id: req.id,
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: (err: Error & { code?: unknown }) => ({
          type: err.name,
          code: err.code,
          message: redact(err.message),
        }),
      },
    },
    destination,
  );
}
