/**
 * Sending email. One `Mailer` is built at start-up and passed down: SMTP through nodemailer when
 * BATCHROUTER_SMTP_URL is set, otherwise an outbox folder (`<data dir>/outbox/<time>-<n>.json`,
 * one file per message) whose every message's link is also logged, so a fresh `npm start` works
 * without a mail server.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';

export interface MailMessage {
  /** What the message is for (`email_verification`, `password_reset`…): logs and tests tell messages apart by it. */
  kind: string;
  to: string;
  subject: string;
  text: string;
  /** The link the message asks its reader to open, if any. */
  link?: string;
}

export interface Mailer {
  /** Hands the message over (to the SMTP server, or to the outbox); rejects when that fails. */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/** Writes each message as JSON into `directory` and logs where it went and its link. */
export function makeOutboxMailer(directory: string, from: string, logger: Logger): Mailer {
  let sequence = 0;
  return {
    async send(message) {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      const at = new Date();
      sequence += 1;
      const name = `${at.toISOString().replace(/[:.]/g, '-')}-${String(sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}.json`;
      const file = path.join(directory, name);
      await writeFile(file, `${JSON.stringify({ ...message, from, created_at: at.toISOString() }, null, 2)}\n`, { mode: 0o600 });
      // The development mailbox: whoever runs the server opens the link from here.
      logger.info({ mail: message.kind, to: message.to, file, link: message.link ?? null }, 'mail written to the outbox');
    },
    async close() {},
  };
}

/** Sends through the SMTP server of `url` (smtp://user:pass@host:port, or smtps:// for TLS from the start). */
export function makeSmtpMailer(url: string, from: string, logger: Logger): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(message) {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text });
      logger.info({ mail: message.kind, to: message.to }, 'mail sent');
    },
    async close() {
      transport.close();
    },
  };
}

/** The mailer the configuration asks for. */
export function makeMailer(config: { smtpUrl: string | null; mailFrom: string; dataDir: string }, logger: Logger): Mailer {
  return config.smtpUrl !== null ? makeSmtpMailer(config.smtpUrl, config.mailFrom, logger) : makeOutboxMailer(path.join(config.dataDir, 'outbox'), config.mailFrom, logger);
}
