/**
 * Reading an upload as it streams in: the parts of a multipart/form-data body (RFC 7578) one
 * after another, each part's content as chunks, and a part's lines with their line breaks. Never
 * more than one chunk, one line and a boundary's length is held, whatever the size of the upload.
 */
import { ApiError } from '../../domain/errors.ts';

const CRLF = Buffer.from('\r\n');
const HEADERS_END = Buffer.from('\r\n\r\n');
const DASH_DASH = Buffer.from('--');
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_PARTS = 32;
const NEWLINE = 0x0a;

function malformed(why: string): ApiError {
  return new ApiError('invalid_request', `The body is not valid multipart/form-data: ${why}.`, { details: [{ path: 'body', message: why }] });
}

/** The boundary of a `multipart/form-data; boundary=…` content type, or null. */
export function boundaryOf(contentType: string | undefined): string | null {
  if (contentType === undefined || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2] ?? null;
}

export interface FormPart {
  /** The form field's name. */
  name: string;
  /** The file name, for a file field. */
  filename: string | null;
}

/** A Content-Disposition parameter: quoted (with backslash escapes), RFC 5987 `name*=UTF-8''…`, or a bare token. */
function dispositionParameter(header: string, name: string): string | null {
  const extended = new RegExp(`;\\s*${name}\\*\\s*=\\s*UTF-8''([^;\\s]*)`, 'i').exec(header);
  if (extended?.[1] !== undefined) {
    try {
      return decodeURIComponent(extended[1]);
    } catch {
      return null;
    }
  }
  const plain = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i').exec(header);
  if (!plain) return null;
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : (plain[2] ?? null);
}

/**
 * The parts of a multipart body, in order. Read a part's content with `content()` before asking
 * for the next part (what is left of it is skipped otherwise).
 */
export class MultipartReader {
  readonly #source: AsyncIterator<Buffer>;
  /** `\r\n--boundary`: a virtual CRLF starts the body so that the first delimiter looks like the others. */
  readonly #delimiter: Buffer;
  #buffer: Buffer = CRLF;
  #ended = false;
  #finished = false;
  #inContent = false;
  #parts = 0;
  /** Bytes of the body read so far. */
  bytes = 0;

  constructor(source: AsyncIterable<Buffer>, boundary: string) {
    this.#source = source[Symbol.asyncIterator]();
    this.#delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  async #fill(): Promise<boolean> {
    if (this.#ended) return false;
    const next = await this.#source.next();
    if (next.done) {
      this.#ended = true;
      return false;
    }
    this.bytes += next.value.length;
    this.#buffer = this.#buffer.length === 0 ? next.value : Buffer.concat([this.#buffer, next.value]);
    return true;
  }

  /** At least `count` bytes buffered, or the body ended (false). */
  async #want(count: number): Promise<boolean> {
    while (this.#buffer.length < count) if (!(await this.#fill())) return false;
    return true;
  }

  /** The next chunk of the current part's content, or null at its end (its delimiter is consumed). */
  async #contentChunk(): Promise<Buffer | null> {
    if (!this.#inContent) return null;
    for (;;) {
      const at = this.#buffer.indexOf(this.#delimiter);
      if (at !== -1) {
        const chunk = this.#buffer.subarray(0, at);
        this.#buffer = this.#buffer.subarray(at + this.#delimiter.length);
        this.#inContent = false;
        return chunk.length > 0 ? chunk : null;
      }
      // Everything but a possible start of the delimiter can go.
      const safe = this.#buffer.length - (this.#delimiter.length - 1);
      if (safe > 0) {
        const chunk = this.#buffer.subarray(0, safe);
        this.#buffer = this.#buffer.subarray(safe);
        return chunk;
      }
      if (!(await this.#fill())) throw malformed('it ended inside a part');
    }
  }

  /** Skips the preamble up to the first delimiter. */
  async #skipPreamble(): Promise<void> {
    for (;;) {
      const at = this.#buffer.indexOf(this.#delimiter);
      if (at !== -1) {
        this.#buffer = this.#buffer.subarray(at + this.#delimiter.length);
        return;
      }
      this.#buffer = this.#buffer.subarray(Math.max(0, this.#buffer.length - (this.#delimiter.length - 1)));
      if (this.bytes > MAX_HEADER_BYTES) throw malformed('no boundary was found where the form should start');
      if (!(await this.#fill())) throw malformed('no boundary was found');
    }
  }

  /** The next part, with its headers read, or null after the last one. */
  async next(): Promise<FormPart | null> {
    if (this.#finished) return null;
    if (this.#parts === 0) await this.#skipPreamble();
    else while (this.#inContent) await this.#contentChunk();
    // After a delimiter: "--" closes the form; otherwise the rest of its line, then the part's headers.
    if (!(await this.#want(2))) throw malformed('it ended after a boundary');
    if (this.#buffer.subarray(0, 2).equals(DASH_DASH)) {
      this.#finished = true;
      return null;
    }
    let headersEnd = -1;
    for (;;) {
      headersEnd = this.#buffer.indexOf(HEADERS_END);
      if (headersEnd !== -1) break;
      if (this.#buffer.length > MAX_HEADER_BYTES) throw malformed('a part has headers over 16 KiB');
      if (!(await this.#fill())) throw malformed('it ended inside the headers of a part');
    }
    const headerLines = this.#buffer.subarray(0, headersEnd).toString('utf8').split('\r\n').slice(1);
    this.#buffer = this.#buffer.subarray(headersEnd + HEADERS_END.length);
    if (++this.#parts > MAX_PARTS) throw malformed(`a form holds at most ${MAX_PARTS} parts`);
    const disposition = headerLines.find((line) => /^content-disposition\s*:/i.test(line));
    const name = disposition === undefined ? null : dispositionParameter(disposition, 'name');
    if (disposition === undefined || name === null || !/:\s*form-data\s*(;|$)/i.test(disposition)) throw malformed('a part has no Content-Disposition: form-data with a name');
    this.#inContent = true;
    return { name, filename: dispositionParameter(disposition, 'filename') };
  }

  /** The current part's content, a chunk at a time. */
  async *content(): AsyncGenerator<Buffer> {
    for (let chunk = await this.#contentChunk(); chunk !== null; chunk = await this.#contentChunk()) yield chunk;
  }

  /** The current part's content as text, refused beyond `maxBytes`. */
  async text(maxBytes: number): Promise<string> {
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of this.content()) {
      length += chunk.length;
      if (length > maxBytes) throw malformed(`a form field is longer than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

/**
 * Splits a byte stream into lines, each with its line break (the last may have none), counting
 * the bytes into `read` and refusing more than `maxBytes` in all or `maxLineBytes` in one line.
 */
export async function* linesWithBreaks(stream: AsyncIterable<Buffer>, limits: { maxLineBytes: number; maxBytes: number }, read: { bytes: number }): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const tooLong = () => new ApiError('payload_too_large', `A line is longer than ${limits.maxLineBytes} bytes.`);
  for await (const chunk of stream) {
    read.bytes += chunk.length;
    if (read.bytes > limits.maxBytes) throw new ApiError('payload_too_large', `The file is larger than the ${limits.maxBytes} bytes this instance accepts.`);
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (pendingBytes + end + 1 - start > limits.maxLineBytes) throw tooLong();
      const line = pending.length === 0 ? chunk.subarray(start, end + 1) : Buffer.concat([...pending, chunk.subarray(start, end + 1)]);
      pending = [];
      pendingBytes = 0;
      yield line;
      start = end + 1;
    }
    if (start < chunk.length) {
      pendingBytes += chunk.length - start;
      if (pendingBytes > limits.maxLineBytes) throw tooLong();
      pending.push(chunk.subarray(start));
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}
