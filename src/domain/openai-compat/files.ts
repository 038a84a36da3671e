/**
 * Files of the OpenAI drop-in: batch input files (uploaded, checked line by line as they stream
 * in, kept exactly as uploaded, refused whole on any bad line), and the output and error files of
 * ended drop-in batches (generated from the items whenever they are read).
 */
import type { Kysely } from 'kysely';
import { newId } from '../../ids.ts';
import { findOpenaiBatchByFileId, setGeneratedFileBytes, type OpenaiBatchRow } from '../../db/queries/openai-batches.ts';
import {
  appendOpenaiFileLines,
  deleteOpenaiFile,
  findReadyOpenaiFile,
  insertOpenaiFile,
  markOpenaiFileReady,
  openaiFileLinesPage,
  type OpenaiFileRow,
} from '../../db/queries/openai-files.ts';
import type { DB } from '../../db/schema.ts';
import { isTerminalBatch } from '../batch-states.ts';
import type { Catalog } from '../catalog.ts';
import type { DomainContext, Principal } from '../context.ts';
import { MAX_FILE_ITEMS } from '../files.ts';
import { ERROR_ITEM_STATUSES, hasLines, itemFigures, OUTPUT_ITEM_STATUSES } from './batch-object.ts';
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

type GeneratedFile = { batch: OpenaiBatchRow; kind: 'output' | 'error' };

/** The ended batch whose output or error file this is, when it exists (has lines). */
async function generatedFileOf(db: Kysely<DB>, principal: Principal, fileId: string): Promise<GeneratedFile | null> {
  const batch = await findOpenaiBatchByFileId(db, principal.orgId, fileId);
  if (!batch || !isTerminalBatch(batch.status)) return null;
  const kind = batch.output_file_id === fileId ? 'output' : 'error';
  const figures = await itemFigures(db, batch.id);
  return hasLines(figures, kind === 'output' ? OUTPUT_ITEM_STATUSES : ERROR_ITEM_STATUSES) ? { batch, kind } : null;
}

const filenameOf = ({ batch, kind }: GeneratedFile) => `${batch.id}_${kind}.jsonl`;

/** Any file of the principal's org, as OpenAI's File object; another org's, or an unknown id, is a 404. */
export async function getOpenAiFile(ctx: FileContext, principal: Principal, fileId: string): Promise<OpenAiFileObject> {
  const input = await findReadyOpenaiFile(ctx.db, principal.orgId, fileId);
  if (input) return presentInputFile(input);
  const generated = await generatedFileOf(ctx.db, principal, fileId);
  if (!generated) throw fileNotFound(fileId);
  const { batch, kind } = generated;
  let bytes = kind === 'output' ? batch.output_bytes : batch.error_bytes;
  if (bytes === null) {
    // Measured once, by generating the file: an ended batch's files never change.
    bytes = 0;
    for await (const text of generatedFileText(ctx.db, ctx.catalog, batch, kind)) bytes += Buffer.byteLength(text);
    await setGeneratedFileBytes(ctx.db, batch.id, kind, bytes);
  }
  return {
    id: fileId,
    object: 'file',
    bytes,
    created_at: seconds(batch.finished_at ?? batch.updated_at),
    filename: filenameOf(generated),
    purpose: 'batch_output',
    status: 'processed',
    status_details: null,
    expires_at: null,
  };
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
  const generated = await generatedFileOf(ctx.db, principal, fileId);
  if (!generated) throw fileNotFound(fileId);
  return { filename: filenameOf(generated), text: generatedFileText(ctx.db, ctx.catalog, generated.batch, generated.kind) };
}
