/**
 * The Files API: `POST /v1/files` (multipart `file` + `purpose`, optional
 * `expires_after[anchor]` / `expires_after[seconds]`), `GET /v1/files`, `GET /v1/files/{id}`,
 * `GET /v1/files/{id}/content`, `DELETE /v1/files/{id}`. Bytes stay in memory.
 *
 * A `batch` upload must be a `.jsonl` no bigger than the batch limit (200 MB) whose first line
 * is a JSON object; the line-by-line checks happen later, in the batch's `validating` step,
 * where OpenAI reports them (see batch-input.ts).
 */
import { errorReply, fileNotFound, integerBelowMinimum, invalidValue, missingParameter, type ErrorReply } from './errors.ts';
import { json, paginate, type Reply } from './http.ts';
import type { IdMaker } from './ids.ts';

const PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] as const;
/** Batch input and output files are kept 30 days unless `expires_after` says otherwise. */
export const BATCH_FILE_LIFETIME_SECONDS = 30 * 24 * 3600;
const MIN_EXPIRY_SECONDS = 3600;

export interface StoredFile {
  id: string;
  bytes: Buffer;
  filename: string;
  purpose: string;
  createdAt: number;
  expiresAt: number | null;
}

export interface FileLimits {
  /** Any upload (OpenAI: 512 MB). */
  maxFileBytes: number;
  /** A `purpose: "batch"` upload (OpenAI: 200 MB). */
  maxBatchFileBytes: number;
}

export interface FileStore {
  add(file: Omit<StoredFile, 'id'>): StoredFile;
  get(id: string): StoredFile | undefined;
  delete(id: string): boolean;
  all(): StoredFile[];
}

export function makeFileStore(ids: IdMaker): FileStore {
  const files = new Map<string, StoredFile>();
  return {
    add(file) {
      const stored = { ...file, id: ids.next('file') };
      files.set(stored.id, stored);
      return stored;
    },
    get: (id) => files.get(id),
    delete: (id) => files.delete(id),
    all: () => [...files.values()],
  };
}

export function renderFile(file: StoredFile): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes.length,
    created_at: file.createdAt,
    expires_at: file.expiresAt,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    status_details: null,
  };
}

/** What the request log keeps of an upload instead of its bytes. */
export interface UploadSummary {
  filename: string | null;
  purpose: string | null;
  bytes: number;
}

export async function uploadFile(
  contentType: string,
  payload: Buffer,
  store: FileStore,
  limits: FileLimits,
  nowSeconds: number,
): Promise<{ reply: Reply; summary: UploadSummary | null }> {
  let form: FormData;
  try {
    form = await new Request('http://emulator/v1/files', { method: 'POST', headers: { 'content-type': contentType }, body: payload }).formData();
  } catch {
    return { reply: errorReply(400, 'Could not parse multipart form data; upload the file as multipart/form-data.'), summary: null };
  }
  const file = form.get('file');
  const purpose = form.get('purpose');
  const summary: UploadSummary = {
    filename: file instanceof File ? file.name : null,
    purpose: typeof purpose === 'string' ? purpose : null,
    bytes: file instanceof File ? file.size : 0,
  };
  if (!(file instanceof File)) return { reply: missingParameter('file'), summary };
  if (typeof purpose !== 'string') return { reply: missingParameter('purpose'), summary };
  if (!(PURPOSES as readonly string[]).includes(purpose)) return { reply: invalidValue('purpose', purpose, PURPOSES), summary };
  if (file.size > limits.maxFileBytes) return { reply: errorReply(400, 'File is too large.'), summary };

  const bytes = Buffer.from(await file.arrayBuffer());
  if (purpose === 'batch') {
    const problem = checkBatchUpload(file.name, bytes, limits);
    if (problem) return { reply: problem, summary };
  }
  const expiresAt = readExpiry(form, purpose, nowSeconds);
  if (typeof expiresAt === 'object' && expiresAt !== null) return { reply: expiresAt, summary };
  const stored = store.add({ bytes, filename: file.name, purpose, createdAt: nowSeconds, expiresAt });
  return { reply: json(renderFile(stored)), summary };
}

function checkBatchUpload(filename: string, bytes: Buffer, limits: FileLimits): ErrorReply | null {
  const badFormat = errorReply(400, 'Invalid file format for Batch API. Must be .jsonl');
  if (!filename.toLowerCase().endsWith('.jsonl')) return badFormat;
  if (bytes.length > limits.maxBatchFileBytes) return errorReply(400, 'File is too large.');
  const firstLine = bytes.toString('utf8').split('\n').find((line) => line.trim() !== '');
  if (firstLine === undefined) return badFormat;
  try {
    const parsed: unknown = JSON.parse(firstLine);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? null : badFormat;
  } catch {
    return badFormat;
  }
}

function readExpiry(form: FormData, purpose: string, nowSeconds: number): number | null | ErrorReply {
  const anchor = form.get('expires_after[anchor]');
  const secondsText = form.get('expires_after[seconds]');
  if (anchor === null && secondsText === null) return purpose === 'batch' ? nowSeconds + BATCH_FILE_LIFETIME_SECONDS : null;
  if (anchor !== 'created_at') return invalidValue('expires_after.anchor', anchor, ['created_at']);
  const seconds = Number(secondsText);
  if (!Number.isInteger(seconds)) return missingParameter('expires_after.seconds');
  if (seconds < MIN_EXPIRY_SECONDS) return integerBelowMinimum('expires_after.seconds', MIN_EXPIRY_SECONDS, seconds);
  if (seconds > BATCH_FILE_LIFETIME_SECONDS) {
    return errorReply(400, `Invalid 'expires_after.seconds': integer above maximum value. Expected a value <= ${BATCH_FILE_LIFETIME_SECONDS}, but got ${seconds} instead.`, {
      param: 'expires_after.seconds',
      code: 'integer_above_max_value',
    });
  }
  return nowSeconds + seconds;
}

/** `GET /v1/files`: newest first by default (`order=asc` for oldest first), filtered by `purpose`. */
export function listFiles(store: FileStore, query: URLSearchParams): Reply {
  const purpose = query.get('purpose');
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') return invalidValue('order', order, ['asc', 'desc']);
  const files = store.all().filter((file) => purpose === null || file.purpose === purpose);
  if (order === 'desc') files.reverse();
  const page = paginate(files, query, 10_000, 10_000);
  if ('body' in page) return page;
  return json({ ...page, data: page.data.map(renderFile) });
}

export function retrieveFile(store: FileStore, id: string): Reply {
  const file = store.get(id);
  return file ? json(renderFile(file)) : fileNotFound(id);
}

export function fileContent(store: FileStore, id: string): Reply {
  const file = store.get(id);
  return file ? { status: 200, raw: file.bytes, contentType: 'application/octet-stream' } : fileNotFound(id);
}

export function deleteFile(store: FileStore, id: string): Reply {
  return store.delete(id) ? json({ id, object: 'file', deleted: true }) : fileNotFound(id);
}
