/**
 * Errors on the OpenAI drop-in surface, in OpenAI's body: `{"error":{message,type,param,code},
 * "request_id"}` (the request id also in X-Request-Id), so the official clients raise their typed
 * errors. The status is BatchRouter's for the same problem; `type` follows the status; `code` is
 * OpenAI's where OpenAI has one for the problem, else BatchRouter's (explained at /docs/errors).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorObject } from 'ajv';
import { ApiError, ERROR_CODES, type ErrorCode } from '../../domain/errors.ts';
import { OpenAiRequestError } from '../../domain/openai-compat/errors.ts';
import type { ShapeProblem } from '../../domain/openai-compat/input-lines.ts';
import { pathOf } from '../validation.ts';

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
  request_id: string;
}

/** The error body's schema, for the routes' documentation. */
export const OpenAiErrorSchema = {
  type: 'object',
  title: 'OpenAI error',
  properties: {
    error: {
      type: 'object',
      properties: {
        message: { type: 'string' },
        type: { type: 'string', description: 'invalid_request_error, authentication_error, permission_error, not_found_error, insufficient_quota, rate_limit_error or server_error' },
        param: { type: ['string', 'null'] },
        code: { type: ['string', 'null'] },
      },
    },
    request_id: { type: 'string', description: 'Quote it when reporting a problem; also in the X-Request-Id header' },
  },
} as const;

function typeOfStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'insufficient_quota';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** OpenAI's code for BatchRouter errors that mean what one of OpenAI's means. */
const OPENAI_CODES: Partial<Record<ErrorCode, string>> = {
  api_key_malformed: 'invalid_api_key',
  api_key_invalid: 'invalid_api_key',
  insufficient_credits: 'insufficient_quota',
  rate_limited: 'rate_limit_exceeded',
};

/** Whether the official clients should retry: they retry every 409 unless told not to. */
const SHOULD_RETRY: Partial<Record<ErrorCode, 'true' | 'false'>> = {
  idempotency_key_in_flight: 'true',
  idempotency_key_reused: 'false',
  batch_finished: 'false',
};

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'undefined' ? 'nothing' : `a ${typeof value}`;
}

function valueAt(data: unknown, instancePath: string): unknown {
  let value = data;
  for (const segment of instancePath.split('/').slice(1)) {
    const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

const LIMIT_CODES: Record<string, string> = {
  maxLength: 'string_above_max_length',
  minLength: 'string_below_min_length',
  maximum: 'integer_above_max_value',
  minimum: 'integer_below_min_value',
  maxProperties: 'object_above_max_properties',
};

/** One schema problem as OpenAI words it, with the parameter at fault (`metadata.team`, `body.model`). */
export function openAiProblemOf(error: ErrorObject, data: unknown, prefix = ''): ShapeProblem {
  const base = pathOf(error.instancePath, prefix);
  const join = (name: string) => (base === '' ? name : `${base}.${name}`);
  const param = base === '' ? null : base;
  const value = valueAt(data, error.instancePath);
  switch (error.keyword) {
    case 'required': {
      const missing = join(String(error.params['missingProperty']));
      return { param: missing, code: 'missing_required_parameter', message: `Missing required parameter: '${missing}'.` };
    }
    case 'additionalProperties': {
      const extra = join(String(error.params['additionalProperty']));
      return { param: extra, code: 'unknown_parameter', message: `Unrecognized request argument supplied: ${extra}` };
    }
    case 'enum': {
      const allowed = (error.params['allowedValues'] as unknown[]).map((item) => `'${String(item)}'`);
      const list = allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')}, and ${allowed.at(-1) ?? ''}` : (allowed[0] ?? '');
      return { param, code: 'invalid_value', message: `Invalid value: '${String(value)}'. Supported values are: ${list}.` };
    }
    case 'type':
      return { param, code: 'invalid_type', message: `Invalid type for '${base}': expected ${String(error.params['type'])}, but got ${describeType(value)} instead.` };
    default:
      return { param, code: LIMIT_CODES[error.keyword] ?? 'invalid_value', message: `Invalid '${base === '' ? 'body' : base}': ${error.message ?? 'is not valid'}.` };
  }
}

/** The most useful problem of a failed schema check: the deepest, so a value's own problem wins over its union's. */
export function mainProblemOf(errors: ErrorObject[], data: unknown): ShapeProblem {
  const deepest = [...errors].filter((error) => error.keyword !== 'anyOf').sort((a, b) => b.instancePath.length - a.instancePath.length)[0] ?? errors[0];
  if (!deepest) return { param: null, code: 'invalid_value', message: 'The request is not valid.' };
  return openAiProblemOf(deepest, data);
}

function send(reply: FastifyReply, request: FastifyRequest, status: number, error: OpenAiErrorBody['error']): FastifyReply {
  return reply.status(status).send({ error, request_id: request.id } satisfies OpenAiErrorBody);
}

function requestPart(request: FastifyRequest, part: string): unknown {
  if (part === 'querystring') return request.query;
  if (part === 'params') return request.params;
  if (part === 'headers') return request.headers;
  return request.body;
}

/** Errors Fastify raises itself (parsing, limits, validation), as OpenAI's body. */
function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply | null {
  if (error.validation) {
    const part = error.validationContext ?? 'body';
    const problem = mainProblemOf(error.validation as ErrorObject[], requestPart(request, part));
    return send(reply, request, 400, { message: problem.message, type: 'invalid_request_error', param: problem.param, code: problem.code });
  }
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (error.statusCode === 400 && error instanceof SyntaxError)) {
    return send(reply, request, 400, {
      message: 'We could not parse the JSON body of your request: send a JSON object with Content-Type: application/json.',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_json',
    });
  }
  const status = error.statusCode;
  if (status === 413) return send(reply, request, 413, { message: 'The request body is larger than this instance accepts.', type: 'invalid_request_error', param: null, code: 'payload_too_large' });
  if (status === 415) return send(reply, request, 415, { message: 'Unsupported Content-Type for this endpoint.', type: 'invalid_request_error', param: null, code: 'unsupported_media_type' });
  if (status !== undefined && status >= 400 && status < 500) return send(reply, request, status, { message: error.message, type: typeOfStatus(status), param: null, code: 'bad_request' });
  return null;
}

/** A parameter named in an ApiError's first detail, without the part of the request it is in. */
function paramOfDetails(error: ApiError): string | null {
  if (error.status !== 400) return null;
  const path = error.details?.[0]?.path;
  if (path === undefined) return null;
  if (path === 'headers.idempotency-key') return 'Idempotency-Key';
  return path.replace(/^(query|path|headers)\./, '');
}

/** The drop-in's error handler: every error leaves in OpenAI's body; unknown ones as a logged 500. */
export function handleOpenAiError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof ApiError) {
    for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
    const retry = SHOULD_RETRY[error.code];
    if (retry !== undefined) reply.header('x-should-retry', retry);
    const openAi = error instanceof OpenAiRequestError ? error.openAi : null;
    return send(reply, request, error.status, {
      message: error.message,
      type: typeOfStatus(error.status),
      param: openAi ? openAi.param : paramOfDetails(error),
      code: openAi?.code ?? OPENAI_CODES[error.code] ?? error.code,
    });
  }
  const handled = frameworkError(error, request, reply);
  if (handled) return handled;
  request.log.error({ err: error }, 'unhandled error');
  const code: ErrorCode = /ECONNREFUSED|Connection terminated|database system is/i.test(error.message) ? 'service_unavailable' : 'internal_error';
  return send(reply, request, ERROR_CODES[code].status, { message: ERROR_CODES[code].meaning, type: 'server_error', param: null, code });
}

/** Unknown routes under the drop-in's prefix, worded as OpenAI words them. */
export function handleOpenAiNotFound(request: FastifyRequest, reply: FastifyReply) {
  return send(reply, request, 404, {
    message: `Invalid URL (${request.method} ${request.url.split('?')[0] ?? ''}): the OpenAI drop-in serves files and batches.`,
    type: typeOfStatus(404),
    param: null,
    code: 'route_not_found',
  });
}
