/**
 * The one mapping from anything that goes wrong to the seed's error body:
 * `{"error":{code,message,docs_url,action_url?,details?},"request_id"}` with the right status.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorObject } from 'ajv';
import type { Logger } from 'pino';
import { newId } from '../ids.ts';
import { ApiError, ERROR_CODES, type ErrorCode, type ErrorDetail } from '../domain/errors.ts';
import { detailsOf } from './validation.ts';

const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** The instance's own base URL, for links in responses: configured, else from the request. */
export function baseUrlOf(request: FastifyRequest, publicUrl: string | null): string {
  if (publicUrl !== null) return publicUrl;
  const host = SAFE_HOST.test(request.host) ? request.host : 'localhost';
  return `${request.protocol}://${host}`;
}

export interface ErrorBodyShape {
  error: { code: ErrorCode; message: string; docs_url: string; details?: ErrorDetail[] };
  request_id: string;
}

export function errorBody(code: ErrorCode, message: string, requestId: string, baseUrl: string, details?: ErrorDetail[]): ErrorBodyShape {
  return {
    error: { code, message, docs_url: `${baseUrl}/docs/errors#${code}`, ...(details && details.length > 0 ? { details } : {}) },
    request_id: requestId,
  };
}

/** Classifies errors raised by Fastify itself (parsing, limits) and by validation. */
function fromFrameworkError(error: FastifyError): ApiError | null {
  if (error.validation) {
    const details = detailsOf(error.validation as ErrorObject[], error.validationContext ?? 'body');
    return new ApiError('invalid_request', 'The request is not valid: see details for every problem.', { details });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', 'The request body is larger than this instance accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', 'Send the body as Content-Type: application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('invalid_json', 'The body is empty but Content-Type says JSON: send a JSON object, or no Content-Type.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // The parser also lands here for prototype-poisoning keys, without saying which it was.
      return new ApiError('invalid_json', 'The body is not valid JSON, or it uses a refused key (__proto__, constructor.prototype).');
    default:
      break;
  }
  if (error.statusCode === 400 && error instanceof SyntaxError) return new ApiError('invalid_json', 'The body is not valid JSON.');
  if (error.statusCode === 413) return new ApiError('payload_too_large', 'The request body is larger than this instance accepts.');
  if (error.statusCode === 415) return new ApiError('unsupported_media_type', 'Send the body as Content-Type: application/json.');
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError('bad_request', error.message);
  }
  return null;
}

/** Fastify error handler: every error leaves as the structured body; unknown ones as a logged 500. */
export function makeErrorHandler(publicUrl: string | null) {
  return function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const apiError = error instanceof ApiError ? error : fromFrameworkError(error);
    if (!apiError) {
      request.log.error({ err: error }, 'unhandled error');
      const unavailable = /ECONNREFUSED|Connection terminated|database system is/i.test(error.message);
      const code: ErrorCode = unavailable ? 'service_unavailable' : 'internal_error';
      return reply
        .status(ERROR_CODES[code].status)
        .send(errorBody(code, ERROR_CODES[code].meaning, request.id, baseUrlOf(request, publicUrl)));
    }
    for (const [name, value] of Object.entries(apiError.headers)) reply.header(name, value);
    return reply
      .status(apiError.status)
      .send(errorBody(apiError.code, apiError.message, request.id, baseUrlOf(request, publicUrl), apiError.details));
  };
}

export function makeNotFoundHandler(publicUrl: string | null) {
  return function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
    return reply
      .status(404)
      .send(errorBody('route_not_found', `No endpoint answers ${request.method} ${request.url.split('?')[0]}.`, request.id, baseUrlOf(request, publicUrl)));
  };
}

/**
 * Requests so broken that Node's HTTP parser refuses them (oversized headers, bytes that are not
 * HTTP) never reach a route; they still get the structured body and a request id.
 */
export function makeClientErrorHandler(publicUrl: string | null, log: Logger) {
  return function handleClientError(error: Error & { code?: string }, socket: Socket) {
    if (!socket.writable) return;
    const code: ErrorCode = error.code === 'HPE_HEADER_OVERFLOW' ? 'request_header_too_large' : 'bad_request';
    const requestId = newId('req');
    const message = code === 'bad_request' ? 'The HTTP request could not be parsed.' : 'The request headers are too large.';
    const ownAddress = socket.localAddress?.includes(':') ? `[${socket.localAddress}]` : socket.localAddress;
    const body = JSON.stringify(errorBody(code, message, requestId, publicUrl ?? `http://${ownAddress ?? 'localhost'}:${socket.localPort ?? 80}`));
    log.info({ request_id: requestId, code: error.code }, 'unparseable request');
    socket.end(
      `HTTP/1.1 ${ERROR_CODES[code].status} ${code === 'bad_request' ? 'Bad Request' : 'Request Header Fields Too Large'}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
  };
}
