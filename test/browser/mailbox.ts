/**
 * A real SMTP server for tests (the `smtp-server` package) on 127.0.0.1: the BatchRouter server
 * under test sends its emails to it (BATCHROUTER_SMTP_URL), and tests wait for a message and follow
 * its link like a person would.
 * @example const mailbox = await startMailbox(); startTestServer({ smtpUrl: mailbox.smtpUrl });
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope recipients, lower case. */
  to: string[];
  from: string;
  subject: string;
  /** The decoded text body. */
  text: string;
}

export interface Mailbox {
  smtpUrl: string;
  messages: ReceivedMail[];
  /** How many messages have arrived: pass it as `since` to wait only for later ones. */
  mark(): number;
  /** Waits for a message to `to` (received after `since`) holding a link to `path`, and returns that link. */
  waitForLink(to: string, path: string, options?: { since?: number; timeoutMs?: number }): Promise<URL>;
  stop(): Promise<void>;
}

/** Splits a raw message into its unfolded headers (lower-case names) and its body. */
function parseMessage(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** Quoted-printable (RFC 2045): soft line breaks joined, =XX bytes decoded as UTF-8. */
export function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let index = 0; index < joined.length; index += 1) {
    const hex = joined.slice(index + 1, index + 3);
    if (joined[index] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(...Buffer.from(joined[index] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Encoded words in headers (RFC 2047), as mailers write non-ASCII subjects. */
function decodeHeader(value: string): string {
  return value.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_whole, _charset: string, encoding: string, data: string) =>
    encoding.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replaceAll('_', ' ')),
  );
}

function decodeBody(headers: Map<string, string>, body: string): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

export async function startMailbox(): Promise<Mailbox> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const { headers, body } = parseMessage(Buffer.concat(chunks).toString('utf8'));
        messages.push({
          to: session.envelope.rcptTo.map((recipient) => recipient.address.toLowerCase()),
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          subject: decodeHeader(headers.get('subject') ?? ''),
          text: decodeBody(headers, body),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  const findLink = (to: string, path: string, since: number): URL | null => {
    for (const message of messages.slice(since)) {
      if (!message.to.includes(to.toLowerCase())) continue;
      for (const match of message.text.matchAll(/https?:\/\/[^\s<>"]+/g)) {
        const url = new URL(match[0]);
        if (url.pathname === path) return url;
      }
    }
    return null;
  };

  return {
    smtpUrl: `smtp://127.0.0.1:${port}`,
    messages,
    mark: () => messages.length,
    async waitForLink(to, path, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 20_000);
      for (;;) {
        const link = findLink(to, path, options.since ?? 0);
        if (link) return link;
        if (Date.now() > deadline) {
          throw new Error(`no email to ${to} with a link to ${path}; received: ${JSON.stringify(messages.map((message) => ({ to: message.to, subject: message.subject })))}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
