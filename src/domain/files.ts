/**
 * Manifest files: a JSONL upload, one item per line, for batches too large for one JSON body. The
 * upload is read line by line and stored a chunk at a time, so memory stays flat however large the
 * file; a file with any bad line is refused whole (every problem listed, up to a limit) and nothing
 * of it is kept.
 */
import { isoTimestamp } from '../clock.ts';
import { newId } from '../ids.ts';
import { appendFileItems, deleteFile, fileItemsPage, findFile, insertFile, markFileReady } from '../db/queries/files.ts';
import type { DomainContext, Principal } from './context.ts';
import { ApiError, type ErrorDetail } from './errors.ts';
import type { Manifest, ManifestItem } from './manifest.ts';

export const MAX_FILE_ITEMS = 500_000;
const MAX_PROBLEMS = 100;
const CHUNK = 1_000;

export interface ManifestFileUpload {
  filename: string;
  /** The file's lines, as they arrive (the reader enforces the size limit). */
  lines: AsyncIterable<string>;
  /** Bytes of the file read so far. */
  bytesRead(): number;
  /** Checks one parsed line against the item schema; problems are named under `prefix`. */
  validate(item: unknown, prefix: string): ErrorDetail[];
}

type FileRow = NonNullable<Awaited<ReturnType<typeof findFile>>>;

export function presentFile(file: FileRow) {
  return {
    id: file.id,
    object: 'file' as const,
    purpose: file.purpose,
    filename: file.filename,
    bytes: file.bytes,
    item_count: file.item_count,
    status: file.status,
    created_at: isoTimestamp(file.created_at),
    ...(file.purpose === 'import' ? { import_format: file.import_format } : {}),
  };
}

/** Reads, checks and stores an uploaded manifest file; returns it ready for `input_file_id`. */
export async function uploadManifestFile(ctx: DomainContext, principal: Principal, upload: ManifestFileUpload) {
  const id = newId('file');
  await insertFile(ctx.db, { id, org_id: principal.orgId, purpose: 'batch', filename: upload.filename, status: 'uploading', created_at: ctx.clock.now() });
  try {
    const problems: ErrorDetail[] = [];
    const seen = new Set<string>();
    let buffer: unknown[] = [];
    let stored = 0;
    let count = 0;
    let line = 0;
    for await (const text of upload.lines) {
      line++;
      if (text.trim() === '') continue;
      const prefix = `lines[${line}]`;
      let item: unknown;
      try {
        item = JSON.parse(text);
      } catch {
        problems.push({ path: prefix, message: `line ${line} is not valid JSON` });
        continue;
      }
      const lineProblems = upload.validate(item, prefix);
      const customerItemId = (item as { customer_item_id?: unknown }).customer_item_id;
      if (lineProblems.length === 0 && typeof customerItemId === 'string') {
        if (seen.has(customerItemId)) lineProblems.push({ path: `${prefix}.customer_item_id`, message: `duplicates an earlier line's customer_item_id (${customerItemId})` });
        seen.add(customerItemId);
      }
      problems.push(...lineProblems);
      if (problems.length >= MAX_PROBLEMS) break;
      if (++count > MAX_FILE_ITEMS) {
        problems.push({ path: prefix, message: `a file holds at most ${MAX_FILE_ITEMS} items` });
        break;
      }
      if (problems.length > 0) continue;
      buffer.push(item);
      if (buffer.length === CHUNK) {
        await appendFileItems(ctx.db, id, stored, buffer);
        stored += buffer.length;
        buffer = [];
      }
    }
    if (problems.length === 0 && count === 0) problems.push({ path: 'lines', message: 'the file holds no items' });
    if (problems.length > 0) throw new ApiError('invalid_request', 'The file is not a valid manifest: see details (lines are numbered from 1).', { details: problems });
    await appendFileItems(ctx.db, id, stored, buffer);
    await markFileReady(ctx.db, id, upload.bytesRead(), count, ctx.clock.now());
  } catch (error) {
    await deleteFile(ctx.db, id);
    throw error;
  }
  const file = await findFile(ctx.db, principal.orgId, id);
  if (!file) throw new Error('an uploaded file vanished');
  return presentFile(file);
}

export async function getFile(ctx: DomainContext, principal: Principal, fileId: string) {
  const file = await findFile(ctx.db, principal.orgId, fileId);
  if (!file || file.status !== 'ready') throw new ApiError('file_not_found', `No file ${fileId} exists in your org.`);
  return presentFile(file);
}

/** A manifest as sent: items inline, or the id of an uploaded file holding them. */
export type ManifestRequest = Omit<Manifest, 'items'> & { items?: ManifestItem[]; input_file_id?: string };

/** The manifest with its items, read from the named file when it names one; exactly one of the two. */
export async function resolveManifest(ctx: DomainContext, principal: Principal, request: ManifestRequest): Promise<Manifest> {
  const { items, input_file_id: fileId, ...options } = request;
  if ((items === undefined) === (fileId === undefined)) {
    throw new ApiError('invalid_request', 'Send the items inline or input_file_id, exactly one of them.', {
      details: [{ path: items === undefined ? 'items' : 'input_file_id', message: items === undefined ? 'is required (or input_file_id)' : 'cannot be sent with items' }],
    });
  }
  return { ...options, items: items ?? (await loadFileItems(ctx, principal, fileId ?? '')) };
}

/** The items of a ready file of the principal's org, in line order. */
async function loadFileItems(ctx: DomainContext, principal: Principal, fileId: string): Promise<ManifestItem[]> {
  const file = await getFile(ctx, principal, fileId);
  if (file.purpose !== 'batch') {
    throw new ApiError('invalid_request', `File ${fileId} is an import file (an OpenAI Batch file for the optimization report), not a manifest.`, {
      details: [{ path: 'input_file_id', message: 'names an import file: upload manifests with POST /v1/files (purpose batch)' }],
    });
  }
  const items: ManifestItem[] = [];
  let after = -1;
  for (;;) {
    const page = await fileItemsPage(ctx.db, fileId, after, 10_000);
    for (const row of page) items.push(row.item as ManifestItem);
    const last = page.at(-1);
    if (!last) return items;
    after = last.line_index;
  }
}
