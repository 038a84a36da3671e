/**
 * The dashboard's only way to the server: same-origin `fetch` with the session cookie, JSON in and
 * out, and the CSRF token on every state-changing request. Errors arrive as `ApiRequestError`
 * carrying the API's error body (code, message, field details, request id).
 * @example const account = await api.get<AccountSummary>('/v1/auth/account');
 */

export interface ErrorDetail {
  path: string;
  message: string;
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
  request_id?: unknown;
}

/** An answer other than 2xx, or no answer at all (`status` 0, code `network_error`). */
export class ApiRequestError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  readonly requestId: string | null;
  readonly retryAfterSeconds: number | null;

  constructor(status: number, code: string, message: string, options: { details?: ErrorDetail[]; requestId?: string | null; retryAfterSeconds?: number | null } = {}) {
    super(message);
    this.name = 'ApiRequestError';
    this.status = status;
    this.code = code;
    this.details = options.details ?? [];
    this.requestId = options.requestId ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }

  /** The message for one body field (`details[].path`, e.g. `email`), if the API named it. */
  detailFor(field: string): string | undefined {
    return this.details.find((detail) => detail.path === field)?.message;
  }
}

/** The API's answer when this browser is not (or no longer) signed in: missing, ended, revoked or expired session. */
const SIGNED_OUT_CODE = 'session_required';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let csrfToken: string | null = null;
const signedOutListeners = new Set<() => void>();

/** Remembers the CSRF token that sign-in, sign-up and `GET /v1/auth/session` hand out. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Calls `listener` whenever a request answers that the session is gone; returns the unsubscribe. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

function isDetail(value: unknown): value is ErrorDetail {
  return typeof value === 'object' && value !== null && typeof (value as { path?: unknown }).path === 'string' && typeof (value as { message?: unknown }).message === 'string';
}

async function errorOf(response: Response): Promise<ApiRequestError> {
  let body: ErrorBody = {};
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    // Not JSON (a proxy's error page): the status alone must do.
  }
  const code = typeof body.error?.code === 'string' ? body.error.code : `http_${response.status}`;
  const message = typeof body.error?.message === 'string' ? body.error.message : `The server answered ${response.status} ${response.statusText}.`;
  const details = Array.isArray(body.error?.details) ? body.error.details.filter(isDetail) : [];
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ApiRequestError(response.status, code, message, {
    details,
    requestId: typeof body.request_id === 'string' ? body.request_id : response.headers.get('x-request-id'),
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  });
}

/** A body sent as it is (a file's bytes, streamed by the browser) rather than as JSON. */
class RawBody {
  readonly content: Blob;
  readonly contentType: string;

  constructor(content: Blob, contentType: string) {
    this.content = content;
    this.contentType = contentType;
  }
}

/** Sends one request to the API; resolves with the parsed JSON body (undefined for 204). */
export async function apiRequest<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = body instanceof RawBody ? body.contentType : 'application/json';
  if (STATE_CHANGING.has(method) && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: body instanceof RawBody ? body.content : JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiRequestError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && error.code === SIGNED_OUT_CODE) for (const listener of signedOutListeners) listener();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Adds query parameters, leaving out undefined ones. */
export function withQuery(path: string, query: Record<string, string | number | boolean | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

export const api = {
  get: <T>(path: string) => apiRequest<T>('GET', path),
  post: <T>(path: string, body?: unknown) => apiRequest<T>('POST', path, body),
  put: <T>(path: string, body?: unknown) => apiRequest<T>('PUT', path, body),
  patch: <T>(path: string, body?: unknown) => apiRequest<T>('PATCH', path, body),
  delete: <T>(path: string) => apiRequest<T>('DELETE', path),
  /** POSTs a file's bytes as the body, with its content type (`application/jsonl`). */
  upload: <T>(path: string, file: Blob, contentType: string) => apiRequest<T>('POST', path, new RawBody(file, contentType)),
};
