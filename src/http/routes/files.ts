/** POST /v1/files (a JSONL manifest, streamed) and GET /v1/files/{id}. */
import { Type } from 'typebox';
import { Id } from '../schemas.ts';
import type { Principal } from '../../domain/context.ts';
import { ApiError } from '../../domain/errors.ts';
import { getFile, uploadManifestFile } from '../../domain/files.ts';
import { uploadImportFile } from '../../domain/optimization/import-files.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { App } from '../app.ts';
import { principalOf } from '../authentication.ts';
import { ManifestItem } from '../manifest-schema.ts';
import { compileDocumentValidator } from '../validation.ts';

const JSONL_TYPES = ['application/jsonl', 'application/x-ndjson', 'application/x-jsonlines'];
/** No item comes near this; a longer line is a broken file, refused before it fills memory. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Splits a byte stream into lines (UTF-8, LF or CRLF) without ever holding more than one line,
 * counting the bytes read into `read` and refusing more than `maxBytes`.
 */
export async function* linesOf(stream: AsyncIterable<Buffer>, limits: { maxLineBytes: number; maxBytes: number }, read: { bytes: number }): AsyncGenerator<string> {
  const { maxLineBytes } = limits;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const take = (last: Buffer) => {
    const line = Buffer.concat([...pending, last]).toString('utf8');
    pending = [];
    pendingBytes = 0;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  };
  for await (const chunk of stream) {
    read.bytes += chunk.length;
    if (read.bytes > limits.maxBytes) throw new ApiError('payload_too_large', `The file is larger than the ${limits.maxBytes} bytes this instance accepts.`);
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (pendingBytes + end - start > maxLineBytes) throw new ApiError('payload_too_large', `A line is longer than ${maxLineBytes} bytes.`);
      yield take(chunk.subarray(start, end));
      start = end + 1;
    }
    pendingBytes += chunk.length - start;
    if (pendingBytes > maxLineBytes) throw new ApiError('payload_too_large', `A line is longer than ${maxLineBytes} bytes.`);
    pending.push(chunk.subarray(start));
  }
  if (pendingBytes > 0) yield take(Buffer.alloc(0));
}

export function registerFileRoutes(app: App, ctx: DomainContext, maxFileBytes: number): void {
  // JSONL bodies reach the route as the raw stream: the upload is never held whole in memory.
  app.addContentTypeParser(JSONL_TYPES, (_request, payload, done) => done(null, payload));
  const validateItem = compileDocumentValidator(ManifestItem);

  app.post(
    '/v1/files',
    {
      config: { scope: 'batches:write' },
      schema: {
        tags: ['files'],
        summary: 'Upload a JSONL manifest (one item per line), streamed; use its id as input_file_id',
        description: `Content-Type: application/jsonl (or application/x-ndjson). Each line is one item: {customer_item_id, operation, model, model_options?, input}. A file with any bad line is refused whole, with every problem listed. At most ${maxFileBytes} bytes. With purpose=import: an OpenAI Batch output (or error) file, or its input file, for GET /v1/batches/optimization-report?import_provider=openai; only each line's custom_id, status, model, endpoint and usage are kept.`,
        security: [{ bearer: [] }],
        querystring: Type.Object(
          {
            purpose: Type.Optional(Type.Union([Type.Literal('batch'), Type.Literal('import')], { description: 'batch (a manifest, the default) or import (an OpenAI Batch file)' })),
            filename: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f/\\\\]*$' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const principal: Principal = principalOf(request);
      const stream = request.body as AsyncIterable<Buffer> | undefined;
      if (stream === undefined || typeof (stream as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== 'function') {
        throw new ApiError('unsupported_media_type', `Send the file as the body with Content-Type: ${JSONL_TYPES[0]}.`);
      }
      const read = { bytes: 0 };
      try {
        const lines = linesOf(stream, { maxLineBytes: MAX_LINE_BYTES, maxBytes: maxFileBytes }, read);
        const file =
          request.query.purpose === 'import'
            ? await uploadImportFile(ctx, principal, { filename: request.query.filename ?? 'openai-batch.jsonl', lines, bytesRead: () => read.bytes })
            : await uploadManifestFile(ctx, principal, { filename: request.query.filename ?? 'manifest.jsonl', lines, bytesRead: () => read.bytes, validate: validateItem });
        return reply.status(201).send(file);
      } catch (error) {
        // The rest of the upload may still be arriving: close the connection rather than read it.
        reply.header('connection', 'close');
        throw error;
      }
    },
  );

  app.get(
    '/v1/files/:id',
    {
      config: { scope: 'batches:read' },
      schema: { tags: ['files'], summary: 'Read an uploaded file', security: [{ bearer: [] }], params: Type.Object({ id: Id('The file id (file_…)') }) },
    },
    async (request) => getFile(ctx, principalOf(request), request.params.id),
  );
}
