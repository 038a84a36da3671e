/**
 * Files of the OpenAI drop-in: batch input files (uploaded, checked line by line as they stream
 * in, kept exactly as uploaded, refused whole on any bad line), and the output and error files of
 * ended drop-in batches (generated from the items whenever they are read; how many lines and
 * bytes they hold is measured once, when the batch ends or when first asked for). Files are
 * listed and deleted as OpenAI's are.
 */
import type { Kysely } from 'kysely';
import { newId } from '../../ids.ts';
import { findOpenaiBatchByFileId, markGeneratedFileDeleted, setGeneratedFileFigures, unmeasuredEndedOpenaiBatches, type OpenaiBatchRow } from '../../db/queries/openai-batches.ts';
import {
  appendOpenaiFileLines,
  deleteOpenaiFile,
  findFileCursor,
  findReadyOpenaiFile,
  insertOpenaiFile,
  listOrgFiles,
  markOpenaiFileReady,
  openaiFileLinesPage,
  type OpenaiFileRow,
} from '../../db/queries/openai-files.ts';
import type { DB, ItemStatus } from '../../db/schema.ts';
import { isTerminalBatch, TERMINAL_BATCH_STATUSES } from '../batch-states.ts';
import { recordAudit } from '../audit.ts';
import type { Catalog } from '../catalog.ts';
import type { DomainContext, Principal, RequestOrigin } from '../context.ts';
import { MAX_FILE_ITEMS } from '../files.ts';
import { ERROR_ITEM_STATUSES, itemFigures, OUTPUT_ITEM_STATUSES } from './batch-object.ts';
import { moreProblems, OpenAiRequestError } from './errors.ts';
import { InputFileChecker, type LineProblem, type LineShapeCheck } from './input-lines.ts';
import { generatedFileText } from './result-lines.ts';
import { textPieces } from '../text-pieces.ts';

/** What file operations need: the database, the clock, and the catalog that lines are checked against. */
export interface FileContext extends DomainContext {
  catalog: Catalog;
}

const STORE_CHUNK = 1_000;
const MAX_PROBLEMS = 100;
/** Problems a refusal's message spells out; `details` has them all. */
const PROBLEMS_IN_MESSAGE = 5;
const BLANK = /^\s*$/;

export interface BatchInputUpload {
  filename: string;
  /** The file's lines as they arrive, each with its line break (the reader enforces the size limits). */
  lines: AsyncIterable<Buffer>;
  /** Bytes of the file read so far. */
  bytesRead(): number;
  checkShape: LineShapeCheck;
  /** Runs once every line was read and found good, before the file is kept; throws to refuse it. */
  beforeKeeping(): Promise<void>;
}

/** OpenAI's File object. */
export interface OpenAiFileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: 'batch' | 'batch_output';
  status: 'processed';
  status_details: null;
  expires_at: null;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

function presentInputFile(file: OpenaiFileRow): OpenAiFileObject {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: seconds(file.created_at),
    filename: file.filename,
    purpose: 'batch',
    status: 'processed',
    status_details: null,
    expires_at: null,
  };
}

function lineLabel(problem: LineProblem): string {
  const where = problem.line === null ? 'The file' : `Line ${problem.line}`;
  return problem.param === null ? `${where}: ${problem.message}` : `${where}, ${problem.param}: ${problem.message}`;
}

/** One 400 for a refused file: the first problems spelled out, all of them in `details`. */
export function refusedFile(problems: LineProblem[]): OpenAiRequestError {
  const [first] = problems;
  const shown = problems.slice(0, PROBLEMS_IN_MESSAGE).map(lineLabel).join('; ');
  const more = moreProblems(problems.length - PROBLEMS_IN_MESSAGE);
  return new OpenAiRequestError(
    'invalid_request',
    `The file is not a valid batch input file. ${shown}${more}.`,
    { param: first?.param ?? null, code: first?.code ?? 'invalid_request' },
    { details: problems.map((problem) => ({ path: `lines[${problem.line ?? 0}]${problem.param === null ? '' : `.${problem.param}`}`, message: problem.message })) },
  );
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads, checks and stores an uploaded batch input file, returning its File object. Nothing of a
 * refused file is kept: any bad line refuses it with a 400 naming the line.
 */
export async function uploadBatchInputFile(ctx: FileContext, principal: Principal, upload: BatchInputUpload): Promise<OpenAiFileObject> {
  const id = newId('file');
  await insertOpenaiFile(ctx.db, { id, org_id: principal.orgId, filename: upload.filename, status: 'uploading', created_at: ctx.clock.now() });
  try {
    const checker = new InputFileChecker(ctx.catalog, upload.checkShape);
    let pending: { lineIndex: number; line: string }[] = [];
    let lineIndex = 0;
    for await (const bytes of upload.lines) {
      lineIndex++;
      let line: string;
      try {
        line = decoder.decode(bytes);
      } catch {
        checker.problems.push({ line: lineIndex, param: null, code: 'invalid_json_line', message: 'This line is not valid UTF-8.' });
        continue;
      }
      const text = line.replace(/\r?\n$/, '');
      if (!BLANK.test(text)) checker.add(lineIndex === 1 ? text.replace(/^\uFEFF/, '') : text, lineIndex);
      if (checker.problems.length >= MAX_PROBLEMS) break;
      if (checker.requests > MAX_FILE_ITEMS) {
        checker.problems.push({ line: lineIndex, param: null, code: 'invalid_request', message: `A batch input file holds at most ${MAX_FILE_ITEMS} requests.` });
        break;
      }
      if (checker.problems.length > 0) continue;
      pending.push({ lineIndex, line });
      if (pending.length === STORE_CHUNK) {
        await appendOpenaiFileLines(ctx.db, id, pending);
        pending = [];
      }
    }
    checker.flush();
    if (checker.problems.length === 0 && checker.requests === 0) {
      checker.problems.push({ line: null, param: null, code: 'empty_file', message: 'The file holds no requests.' });
    }
    if (checker.problems.length > 0) throw refusedFile(checker.problems.slice(0, MAX_PROBLEMS));
    await appendOpenaiFileLines(ctx.db, id, pending);
    await upload.beforeKeeping();
    await markOpenaiFileReady(ctx.db, id, { bytes: upload.bytesRead(), lineCount: checker.requests, endpoint: checker.endpoint ?? '', at: ctx.clock.now() });
  } catch (error) {
    await deleteOpenaiFile(ctx.db, id);
    throw error;
  }
  const file = await findReadyOpenaiFile(ctx.db, principal.orgId, id);
  if (!file) throw new Error('an uploaded file vanished');
  return presentInputFile(file);
}

export function fileNotFound(fileId: string, param = 'file_id'): OpenAiRequestError {
  return new OpenAiRequestError('file_not_found', `No such File object: ${fileId}`, { param, code: null });
}

/** A ready input file of the principal's org, or a 404. */
export async function inputFileOf(db: Kysely<DB>, principal: Principal, fileId: string, param = 'file_id'): Promise<OpenaiFileRow> {
  const file = await findReadyOpenaiFile(db, principal.orgId, fileId);
  if (!file) throw fileNotFound(fileId, param);
  return file;
}

type GeneratedKind = 'output' | 'error';
type GeneratedFile = { batch: OpenaiBatchRow; kind: GeneratedKind };

/**
 * How many lines an ended batch's output and error files hold: counted once from its items and
 * recorded (an ended batch's items never change).
 */
async function generatedLines(ctx: FileContext, batch: OpenaiBatchRow): Promise<Record<GeneratedKind, number>> {
  if (batch.output_lines !== null && batch.error_lines !== null) return { output: batch.output_lines, error: batch.error_lines };
  const { counts } = await itemFigures(ctx.db, batch.id);
  const count = (statuses: readonly ItemStatus[]) => statuses.reduce((sum, status) => sum + (counts[status] ?? 0), 0);
  const lines = { output: count(OUTPUT_ITEM_STATUSES), error: count(ERROR_ITEM_STATUSES) };
  await setGeneratedFileFigures(ctx.db, batch.id, { output_lines: lines.output, error_lines: lines.error });
  return lines;
}

/** A generated file's size in bytes: measured once, by generating it, and recorded. */
async function generatedBytes(ctx: FileContext, { batch, kind }: GeneratedFile): Promise<number> {
  const known = kind === 'output' ? batch.output_bytes : batch.error_bytes;
  if (known !== null) return known;
  let bytes = 0;
  for await (const text of generatedFileText(ctx.db, ctx.catalog, batch, kind)) bytes += Buffer.byteLength(text);
  await setGeneratedFileFigures(ctx.db, batch.id, kind === 'output' ? { output_bytes: bytes } : { error_bytes: bytes });
  return bytes;
}

/** Measures an ended batch's output and error files (lines, and the size of each that has any) once, for the list. */
export async function measureGeneratedFiles(ctx: FileContext, batch: OpenaiBatchRow): Promise<void> {
  const lines = await generatedLines(ctx, batch);
  for (const kind of ['output', 'error'] as const) {
    if (lines[kind] > 0) await generatedBytes(ctx, { batch, kind });
    else await setGeneratedFileFigures(ctx.db, batch.id, kind === 'output' ? { output_bytes: 0 } : { error_bytes: 0 });
  }
}

/** The ended batch whose output or error file this is, when the file exists: it has lines and was not deleted. */
async function generatedFileOf(ctx: FileContext, principal: Principal, fileId: string): Promise<GeneratedFile | null> {
  const batch = await findOpenaiBatchByFileId(ctx.db, principal.orgId, fileId);
  if (!batch || !isTerminalBatch(batch.status)) return null;
  const kind: GeneratedKind = batch.output_file_id === fileId ? 'output' : 'error';
  if ((kind === 'output' ? batch.output_deleted_at : batch.error_deleted_at) !== null) return null;
  return (await generatedLines(ctx, batch))[kind] > 0 ? { batch, kind } : null;
}

const filenameOf = ({ batch, kind }: GeneratedFile) => `${batch.id}_${kind}.jsonl`;

/** Any file of the principal's org, as OpenAI's File object; another org's, or an unknown id, is a 404. */
export async function getOpenAiFile(ctx: FileContext, principal: Principal, fileId: string): Promise<OpenAiFileObject> {
  const input = await findReadyOpenaiFile(ctx.db, principal.orgId, fileId);
  if (input) return presentInputFile(input);
  const generated = await generatedFileOf(ctx, principal, fileId);
  if (!generated) throw fileNotFound(fileId);
  return {
    id: fileId,
    object: 'file',
    bytes: await generatedBytes(ctx, generated),
    created_at: seconds(generated.batch.finished_at ?? generated.batch.updated_at),
    filename: filenameOf(generated),
    purpose: 'batch_output',
    status: 'processed',
    status_details: null,
    expires_at: null,
  };
}

export interface FileListQuery {
  /** Only files of this purpose (`batch` for input files, `batch_output` for output and error files). */
  purpose: string | null;
  order: 'asc' | 'desc';
  /** The id of the last file of the previous page. */
  after: string | null;
  limit: number;
}

/**
 * A page of the org's files, as OpenAI's list: input files and the output and error files of its
 * ended batches, by creation time (newest first unless `order` is `asc`). An `after` the org has
 * no file for gives an empty page.
 */
export async function listOpenAiFiles(ctx: FileContext, principal: Principal, query: FileListQuery) {
  // A batch that ended moments ago may not have had its files measured yet (the job that does it runs right after).
  for (const batch of await unmeasuredEndedOpenaiBatches(ctx.db, principal.orgId, TERMINAL_BATCH_STATUSES)) await measureGeneratedFiles(ctx, batch);
  const after = query.after === null ? null : await findFileCursor(ctx.db, principal.orgId, query.after);
  const rows =
    query.after !== null && after === null ? [] : await listOrgFiles(ctx.db, principal.orgId, { purpose: query.purpose, order: query.order, after, limit: query.limit + 1 });
  const data = rows.slice(0, query.limit).map(
    (row): OpenAiFileObject => ({
      id: row.id,
      object: 'file',
      bytes: row.bytes,
      created_at: seconds(row.created_at),
      filename: row.filename,
      purpose: row.purpose,
      status: 'processed',
      status_details: null,
      expires_at: null,
    }),
  );
  return { object: 'list' as const, data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: rows.length > query.limit };
}

/**
 * Deletes a file of the principal's org (OpenAI's answer: `{id, object: "file", deleted: true}`).
 * An input file goes with its lines; batches made from it are not touched (their items are their
 * own). An output or error file is no longer listed, read or downloaded; the batch still names it.
 */
export async function deleteOpenAiFile(ctx: FileContext, principal: Principal, fileId: string, origin: RequestOrigin) {
  const now = ctx.clock.now();
  const input = await findReadyOpenaiFile(ctx.db, principal.orgId, fileId);
  const generated = input ? null : await generatedFileOf(ctx, principal, fileId);
  if (!input && !generated) throw fileNotFound(fileId);
  await ctx.db.transaction().execute(async (trx) => {
    if (generated) await markGeneratedFileDeleted(trx, generated.batch.id, generated.kind, now);
    else await deleteOpenaiFile(trx, fileId);
    await recordAudit(trx, { orgId: principal.orgId, actor: principal.actor, action: 'file.deleted', target: { type: 'file', id: fileId }, origin, at: now });
  });
  return { id: fileId, object: 'file' as const, deleted: true as const };
}

/** The lines of an input file as uploaded, a page at a time. */
async function* inputFileText(db: Kysely<DB>, fileId: string): AsyncGenerator<string> {
  let after = 0;
  for (;;) {
    const rows = await openaiFileLinesPage(db, fileId, after, STORE_CHUNK);
    if (rows.length === 0) return;
    yield* textPieces(rows.map((row) => row.line));
    after = rows.at(-1)?.line_index ?? after;
  }
}

/** A file's content: its name and its text, read a page at a time. */
export async function openOpenAiFileContent(ctx: FileContext, principal: Principal, fileId: string): Promise<{ filename: string; text: AsyncGenerator<string> }> {
  const input = await findReadyOpenaiFile(ctx.db, principal.orgId, fileId);
  if (input) return { filename: input.filename, text: inputFileText(ctx.db, input.id) };
  const generated = await generatedFileOf(ctx, principal, fileId);
  if (!generated) throw fileNotFound(fileId);
  return { filename: filenameOf(generated), text: generatedFileText(ctx.db, ctx.catalog, generated.batch, generated.kind) };
}
