/**
 * Small node:http helpers for the emulator: a size-capped body reader and JSON / error writers
 * that always carry the `request-id` header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EmulatorError, errorBody } from './errors.ts';

/** Reads the whole body; past `limitBytes` it keeps draining (so the client can read the 413) but keeps nothing. */
export function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    request.on('end', () => {
      if (tooLarge) reject(new EmulatorError('request_too_large', 'Request exceeds the maximum allowed number of bytes.'));
      else resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

/** Parses a JSON body; an empty body is `undefined`. */
export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new EmulatorError('invalid_request_error', 'There was an error parsing the body of your request: it is not valid JSON.');
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export function sendError(response: ServerResponse, error: EmulatorError, requestId: string): void {
  sendJson(response, error.status, errorBody(error.type, error.message, requestId), { ...error.headers, 'request-id': requestId });
}
