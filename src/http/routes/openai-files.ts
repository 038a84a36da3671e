/**
 * The drop-in's Files API: `POST /files` (multipart `file` + `purpose: batch`, streamed),
 * `GET /files` (OpenAI's list), `GET /files/{id}`, `GET /files/{id}/content` (input files as
 * uploaded; output and error files generated in OpenAI's line format), `DELETE /files/{id}`.
 */
import { Readable } from 'node:stream';
import type { ErrorObject } from 'ajv';
import { Type } from 'typebox';
import type { BatchContext } from '../../domain/batches.ts';
import { OpenAiRequestError, invalidParameter } from '../../domain/openai-compat/errors.ts';
import { deleteOpenAiFile, getOpenAiFile, listOpenAiFiles, openOpenAiFileContent, uploadBatchInputFile } from '../../domain/openai-compat/files.ts';
import { DROP_IN_ENDPOINT_NAMES, type LineShapeCheck } from '../../domain/openai-compat/input-lines.ts';
import type { App } from '../app.ts';
import { originOf, principalOf } from '../authentication.ts';
import { Id } from '../schemas.ts';
import { validatorCompiler } from '../validation.ts';
import { mainProblemOf } from './openai-errors.ts';
import { boundaryOf, linesWithBreaks, MultipartReader } from './openai-upload.ts';

/** No request comes near this; a longer line is a broken file, refused before it fills memory. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Form fields besides the file (purpose, expires_after[…]) are short. */
const MAX_FIELD_BYTES = 1024;
/** Fields OpenAI's upload takes that mean nothing here (files do not expire): read and let be. */
const IGNORED_FIELDS = ['expires_after[anchor]', 'expires_after[seconds]'];
const NO_CONTROL = '^[^\\u0000-\\u001f\\u007f]*$';

/** One request line of a batch input file: the schema's part of the checks (the domain does the rest). */
const InputLine = Type.Object(
  {
    custom_id: Type.String({ minLength: 1, maxLength: 256, pattern: NO_CONTROL }),
    method: Type.Enum(['POST']),
    url: Type.Enum(DROP_IN_ENDPOINT_NAMES),
    body: Type.Object({ model: Type.String({ minLength: 1, maxLength: 200, pattern: NO_CONTROL }) }, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

function lineShapeCheck(): LineShapeCheck {
  const validate = validatorCompiler({ schema: InputLine, method: 'POST', url: '/files', httpPart: 'body' }) as unknown as ((data: unknown) => boolean) & {
    errors?: ErrorObject[] | null;
  };
  return (line) => (validate(line) ? [] : [mainProblemOf(validate.errors ?? [], line)]);
}

/** The name of an uploaded file: its last path segment, without control characters. */
function cleanFilename(given: string | null): string {
  const name = (given ?? '').split(/[\\/]/).at(-1)?.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255) ?? '';
  return name === '' ? 'batch.jsonl' : name;
}

function checkPurpose(purpose: string): void {
  if (purpose !== 'batch') {
    throw invalidParameter('purpose', `Invalid value: '${purpose}'. The BatchRouter drop-in takes batch input files only: the supported value is 'batch'.`);
  }
}

const FileParams = Type.Object({ id: Id('The file id (file_…)') });

/** OpenAI's list parameters, with OpenAI's bounds and defaults. */
const FileListQuery = Type.Object(
  {
    after: Type.Optional(Type.String({ maxLength: 64, description: 'The id of the last file of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 10_000 })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc', description: 'By created_at' })),
    purpose: Type.Optional(Type.String({ maxLength: 64, description: 'batch (input files) or batch_output (output and error files)' })),
  },
  { additionalProperties: false },
);

export function registerOpenAiFileRoutes(app: App, ctx: BatchContext, maxFileBytes: number): void {
  const checkShape = lineShapeCheck();

  app.post(
    '/files',
    {
      config: { scope: 'batches:write' },
      schema: {
        tags: ['openai drop-in'],
        summary: 'Upload a batch input file (OpenAI Files API): multipart file + purpose=batch, streamed, checked line by line',
        description: `Each line: {custom_id, method: "POST", url: ${DROP_IN_ENDPOINT_NAMES.join(' | ')}, body: {model, …}}, one url for the whole file. Any bad line refuses the file with a 400 naming the line. At most ${maxFileBytes} bytes.`,
        security: [{ bearer: [] }],
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const boundary = boundaryOf(request.headers['content-type']);
      const body = request.body as AsyncIterable<Buffer> | undefined;
      if (boundary === null || body === undefined || typeof body[Symbol.asyncIterator] !== 'function') {
        throw new OpenAiRequestError('unsupported_media_type', 'Upload the file as multipart/form-data, with the fields file and purpose.', { param: null, code: null });
      }
      const form = new MultipartReader(body, boundary);
      let purpose: string | null = null;
      /** Reads the fields after the file (or all of them): purpose is checked, OpenAI's expiry fields are let be. */
      const readField = async (name: string) => {
        if (name === 'purpose') {
          purpose = await form.text(MAX_FIELD_BYTES);
          checkPurpose(purpose);
        } else if (IGNORED_FIELDS.includes(name)) {
          await form.text(MAX_FIELD_BYTES);
        } else {
          throw invalidParameter(name, `Unrecognized request argument supplied: ${name}`, 'unknown_parameter');
        }
      };
      try {
        for (let part = await form.next(); part !== null; part = await form.next()) {
          if (part.name !== 'file') {
            await readField(part.name);
            continue;
          }
          const read = { bytes: 0 };
          const file = await uploadBatchInputFile(ctx, principal, {
            filename: cleanFilename(part.filename),
            lines: linesWithBreaks(form.content(), { maxLineBytes: MAX_LINE_BYTES, maxBytes: maxFileBytes }, read),
            bytesRead: () => read.bytes,
            checkShape,
            beforeKeeping: async () => {
              for (let rest = await form.next(); rest !== null; rest = await form.next()) {
                if (rest.name === 'file') throw invalidParameter('file', 'Send one file per upload.');
                await readField(rest.name);
              }
              if (purpose === null) throw invalidParameter('purpose', "Missing required parameter: 'purpose'.", 'missing_required_parameter');
            },
          });
          return reply.send(file);
        }
        throw invalidParameter('file', "Missing required parameter: 'file'.", 'missing_required_parameter');
      } catch (error) {
        // The rest of the upload may still be arriving: close the connection rather than read it.
        reply.header('connection', 'close');
        throw error;
      }
    },
  );

  app.get(
    '/files',
    {
      config: { scope: 'batches:read' },
      schema: {
        tags: ['openai drop-in'],
        summary: "List the org's files, newest first (OpenAI list: data, first_id, last_id, has_more): input files, and the output and error files of ended batches",
        security: [{ bearer: [] }],
        querystring: FileListQuery,
      },
    },
    async (request) =>
      listOpenAiFiles(ctx, principalOf(request), {
        purpose: request.query.purpose ?? null,
        order: request.query.order ?? 'desc',
        after: request.query.after ?? null,
        limit: request.query.limit ?? 10_000,
      }),
  );

  app.delete(
    '/files/:id',
    {
      config: { scope: 'batches:write' },
      schema: {
        tags: ['openai drop-in'],
        summary: 'Delete a file: an input file (batches made from it run on), or a batch output or error file',
        security: [{ bearer: [] }],
        params: FileParams,
      },
    },
    async (request) => deleteOpenAiFile(ctx, principalOf(request), request.params.id, originOf(request)),
  );

  app.get(
    '/files/:id',
    {
      config: { scope: 'batches:read' },
      schema: { tags: ['openai drop-in'], summary: 'Read a file (OpenAI File object): an input file, or a batch output or error file', security: [{ bearer: [] }], params: FileParams },
    },
    async (request) => getOpenAiFile(ctx, principalOf(request), request.params.id),
  );

  app.get(
    '/files/:id/content',
    {
      config: { scope: 'batches:read' },
      schema: {
        tags: ['openai drop-in'],
        summary: "Download a file: an input file as uploaded, or a batch's output or error file in OpenAI's line format, streamed",
        security: [{ bearer: [] }],
        params: FileParams,
      },
    },
    async (request, reply) => {
      const content = await openOpenAiFileContent(ctx, principalOf(request), request.params.id);
      return reply
        .type('application/octet-stream')
        .header('content-disposition', `attachment; filename="${content.filename.replace(/[^\x20-\x7e]|["\\]/g, '_')}"`)
        // One page read ahead at most: the socket's pace sets the reading's, so memory stays flat.
        .send(Readable.from(content.text, { highWaterMark: 1 }));
    },
  );
}
