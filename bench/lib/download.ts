/**
 * Downloads for the download benchmark: an HTTP GET read to the end with a plain `node:http`
 * client (little client overhead, so the server sets the pace), counting bytes and lines and
 * optionally keeping them in a file; reading a local file the same way; and the plain file server
 * (lib/file-server.ts) in a child process, as the baseline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const NEWLINE = 0x0a;
const FILE_SERVER = path.join(import.meta.dirname, 'file-server.ts');

export interface Transfer {
  bytes: number;
  lines: number;
  ms: number;
}

/** Counts what flows through it (bytes and newlines), writing it on to `file` when there is one. */
async function drain(source: Readable, file: string | null): Promise<{ bytes: number; lines: number }> {
  let bytes = 0;
  let lines = 0;
  const sink = file === null ? null : createWriteStream(file);
  const counter = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) lines++;
      if (sink === null || sink.write(chunk)) done();
      else sink.once('drain', () => done());
    },
    final(done) {
      if (sink === null) done();
      else sink.end(done);
    },
  });
  await pipeline(source, counter);
  return { bytes, lines };
}

/** GETs `url` to the end (expecting 200), timed from the request to the last byte. */
export async function download(url: string, file: string | null = null): Promise<Transfer> {
  const start = performance.now();
  const response = await new Promise<IncomingMessage>((resolve, reject) => get(url, resolve).on('error', reject));
  if (response.statusCode !== 200) {
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    throw new Error(`GET ${new URL(url).pathname} answered ${response.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 500)}`);
  }
  const counted = await drain(response, file);
  return { ...counted, ms: performance.now() - start };
}

/** Reads a local file to the end, timed. */
export async function readLocalFile(file: string): Promise<Transfer> {
  const start = performance.now();
  const counted = await drain(createReadStream(file), null);
  return { ...counted, ms: performance.now() - start };
}

export interface FileServer {
  /** The URL of the n-th file. */
  urlOf(index: number): string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts lib/file-server.ts in a child process serving `files`; call `stop()` when done. */
export async function startFileServer(files: readonly string[]): Promise<FileServer> {
  const child: ChildProcess = spawn(process.execPath, [FILE_SERVER, ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.stdout === null || child.pid === undefined) throw new Error('the file server did not start');
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const [first] = (await Promise.race([once(lines, 'line'), exited.then(() => [null])])) as [string | null];
  lines.close();
  if (first === null) throw new Error('the file server exited before listening');
  const port = Number(first);
  return {
    urlOf: (index) => `http://127.0.0.1:${port}/${index}`,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** MB/s (10^6 bytes per second) of a transfer. */
export function megabytesPerSecond(transfer: Transfer): number {
  return transfer.bytes / 1e6 / (transfer.ms / 1000);
}
