/** The server's logs, kept line by line for tests that read them. */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export interface CapturedLogs {
  /** A logger at the most verbose level, for `startTestServer`'s `logger` option. */
  logger: Logger;
  /** Every line it has written so far (JSON), oldest first. */
  lines: string[];
}

/** A logger that keeps every line it writes. */
export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, sink), lines };
}
