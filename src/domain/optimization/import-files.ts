/**
 * Import files: OpenAI Batch output (and error) files, and optionally their input files, kept as
 * `files` of purpose `import` whose lines are reduced to what pricing needs (custom id, status,
 * model, endpoint, usage). Uploaded with POST /v1/files?purpose=import (streamed, refused whole on
 * any bad line) or fetched from OpenAI (fetch-openai.ts); the optimization report names them.
 */
import { newId } from '../../ids.ts';
import { appendImportLines, type StoredImportLine } from '../../db/queries/import-lines.ts';
import { deleteFile, findFile, insertFile, markFileReady } from '../../db/queries/files.ts';
import type { ImportFormat } from '../../db/schema.ts';
import type { DomainContext, Principal } from '../context.ts';
import { ApiError, type ErrorDetail } from '../errors.ts';
import { presentFile } from '../files.ts';
import { formatOfLine, parseImportLine, type ImportLine } from './openai-batch-lines.ts';

/** Lines one import file may hold: two OpenAI batches of the largest size. */
export const MAX_IMPORT_LINES = 100_000;
const MAX_PROBLEMS = 100;
const CHUNK = 1_000;

/** An import file being written: lines go to the database a chunk at a time; nothing shows until `finish`. */
export interface ImportFileWriter {
  readonly id: string;
  readonly format: ImportFormat;
  /** Adds a line of OpenAI batch `batchId` ('' when unknown); false when that batch's custom id was added already. */
  add(batchId: string, line: ImportLine): Promise<boolean>;
  /** Lines added so far. */
  count(): number;
  /** Stores the rest and makes the file visible. */
  finish(bytes: number): Promise<void>;
  /** Removes the file and every line stored so far. */
  discard(): Promise<void>;
}

/** Starts an import file of `format` in the org. */
export async function openImportFile(ctx: DomainContext, orgId: string, format: ImportFormat, filename: string): Promise<ImportFileWriter> {
  const id = newId('file');
  await insertFile(ctx.db, { id, org_id: orgId, purpose: 'import', import_format: format, filename, status: 'uploading', created_at: ctx.clock.now() });
  const seen = new Set<string>();
  let buffer: StoredImportLine[] = [];
  let stored = 0;
  const flush = async () => {
    await appendImportLines(ctx.db, id, stored, buffer);
    stored += buffer.length;
    buffer = [];
  };
  return {
    id,
    format,
    async add(batchId, line) {
      const key = `${batchId}\n${line.custom_id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      buffer.push({ batch_id: batchId, ...line });
      if (buffer.length === CHUNK) await flush();
      return true;
    },
    count: () => seen.size,
    async finish(bytes) {
      await flush();
      await markFileReady(ctx.db, id, bytes, seen.size, ctx.clock.now());
    },
    discard: () => deleteFile(ctx.db, id),
  };
}

export interface ImportFileUpload {
  filename: string;
  /** The file's lines, as they arrive (the reader enforces the size limit). */
  lines: AsyncIterable<string>;
  bytesRead(): number;
}

/**
 * Reads, checks and stores an uploaded OpenAI Batch file: an output file (output and error lines
 * alike) or an input file, told apart by its first line. Any bad line refuses the whole file.
 */
export async function uploadImportFile(ctx: DomainContext, principal: Principal, upload: ImportFileUpload) {
  const problems: ErrorDetail[] = [];
  let writer: ImportFileWriter | null = null;
  let count = 0;
  let line = 0;
  try {
    for await (const text of upload.lines) {
      line++;
      if (text.trim() === '') continue;
      const path = `lines[${line}]`;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        problems.push({ path, message: `line ${line} is not valid JSON` });
        if (problems.length >= MAX_PROBLEMS) break;
        continue;
      }
      if (writer === null) {
        const format = formatOfLine(value);
        if (format !== 'openai_batch_output' && format !== 'openai_batch_input') {
          problems.push({ path, message: `${format}: the file is not an OpenAI Batch output or input file` });
          break;
        }
        writer = await openImportFile(ctx, principal.orgId, format, upload.filename);
      }
      if (++count > MAX_IMPORT_LINES) {
        problems.push({ path, message: `an import file holds at most ${MAX_IMPORT_LINES} lines: split it` });
        break;
      }
      const parsed = parseImportLine(value, writer.format, path);
      if ('problems' in parsed) problems.push(...parsed.problems);
      else if (problems.length === 0 && !(await writer.add('', parsed.line))) problems.push({ path: `${path}.custom_id`, message: `duplicates an earlier line's custom_id (${parsed.line.custom_id})` });
      if (problems.length >= MAX_PROBLEMS) break;
    }
    if (problems.length === 0 && writer === null) problems.push({ path: 'lines', message: 'the file holds no lines' });
    if (problems.length > 0) {
      throw new ApiError('invalid_request', 'The file is not a valid OpenAI Batch output or input file: see details (lines are numbered from 1).', { details: problems.slice(0, MAX_PROBLEMS) });
    }
    await writer?.finish(upload.bytesRead());
  } catch (error) {
    await writer?.discard();
    throw error;
  }
  const file = writer === null ? undefined : await findFile(ctx.db, principal.orgId, writer.id);
  if (!file) throw new Error('an uploaded import file vanished');
  return presentFile(file);
}
