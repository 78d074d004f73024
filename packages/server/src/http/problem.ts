import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { ConfigError } from '../config.js';
import { ConnectorError } from '@berth/connectors';

/** RFC 9457 problem document, with Berth's stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  /** For validation problems: where in the request. */
  errors?: { path: string; message: string }[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function problemOf(status: number, code: string, detail: string): Problem {
  return {
    type: `https://berth.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
  };
}

/**
 * The one place where errors become HTTP responses. Typed errors keep their code and detail;
 * Fastify's own errors (validation, body size, media type, bad JSON) get precise codes;
 * anything unexpected is logged and answered as `internal_error` without internals.
 */
export function toProblem(error: unknown): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof AppError)
    return { problem: problemOf(error.status, error.code, error.message), headers: { ...error.headers } };
  if (error instanceof ConfigError)
    return { problem: problemOf(500, error.code, error.message), headers: {} };
  if (error instanceof ConnectorError) {
    // The registry said no (or could not be reached) while Berth checked what the user gave it.
    const status = error.code === 'invalid_configuration' ? 400 : error.code === 'rate_limited' ? 429 : 422;
    const headers: Record<string, string> = error.retryAfterMs
      ? { 'retry-after': String(Math.ceil(error.retryAfterMs / 1000)) }
      : {};
    return { problem: problemOf(status, error.code, error.message), headers };
  }
  const fe = error as Partial<FastifyError> & {
    validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[];
    validationContext?: string;
  };
  if (fe.validation) {
    const where = fe.validationContext ?? 'request';
    const errors = fe.validation.map((v) => {
      const extra = v.params?.additionalProperty;
      const path = `${where}${v.instancePath ?? ''}${typeof extra === 'string' ? `/${extra}` : ''}`;
      const message = typeof extra === 'string' ? 'is not a known field' : (v.message ?? 'is invalid');
      return { path, message };
    });
    const first = errors[0];
    const problem = problemOf(
      400,
      'invalid_request',
      first ? `${first.path} ${first.message}` : 'the request is invalid',
    );
    return { problem: { ...problem, errors }, headers: {} };
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        problem: problemOf(413, 'payload_too_large', 'the request body is larger than allowed'),
        headers: {},
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        problem: problemOf(415, 'unsupported_media_type', 'send JSON with Content-Type: application/json'),
        headers: {},
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        problem: problemOf(400, 'malformed_json', 'the request body is empty but Content-Type says JSON'),
        headers: {},
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { problem: problemOf(400, 'malformed_json', 'the request body is not valid JSON'), headers: {} };
    default:
      break;
  }
  if (fe.statusCode === 400 && error instanceof SyntaxError) {
    return { problem: problemOf(400, 'malformed_json', 'the request body is not valid JSON'), headers: {} };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { problem: problemOf(fe.statusCode, 'bad_request', fe.message ?? 'bad request'), headers: {} };
  }
  return {
    problem: problemOf(500, 'internal_error', 'something went wrong on the server; it has been logged'),
    headers: {},
  };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const { problem, headers } = toProblem(error);
  if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
  return reply
    .code(problem.status)
    .headers(headers)
    .type('application/problem+json')
    .send({ ...problem, instance: request.url.split('?')[0] });
}
