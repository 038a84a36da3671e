/**
 * HTTPS on the loopback for tests: throwaway self-signed certificates made with the `openssl`
 * CLI, a real `node:https` receiver that records what it is sent and answers as the test says,
 * and a bare TCP listener that only counts connections (to prove that none was made).
 * @example const receiver = await startHttpsReceiver(); // POST to receiver.url, trust receiver.ca
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A key and certificate in PEM; the certificate is its own CA (pass it as `ca`). */
export interface TestCertificate {
  key: string;
  cert: string;
}

/** Which names and addresses a test certificate covers (its subjectAltName). */
export interface CertificateNames {
  dnsNames?: string[];
  ipAddresses?: string[];
}

const LOOPBACK_NAMES: Required<CertificateNames> = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] };

/** Makes a fresh self-signed P-256 certificate valid for two days for the given names. */
export async function createTestCertificate(names: CertificateNames = LOOPBACK_NAMES): Promise<TestCertificate> {
  const dnsNames = names.dnsNames ?? [];
  const ipAddresses = names.ipAddresses ?? [];
  const alternativeNames = [...dnsNames.map((name) => `DNS:${name}`), ...ipAddresses.map((address) => `IP:${address}`)];
  if (alternativeNames.length === 0) throw new Error('a test certificate needs at least one name or address');
  const directory = await mkdtemp(path.join(tmpdir(), 'br-tls-'));
  try {
    const keyFile = path.join(directory, 'key.pem');
    const certFile = path.join(directory, 'cert.pem');
    const commonName = dnsNames[0] ?? ipAddresses[0] ?? 'test';
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${alternativeNames.join(',')}`,
      '-keyout', keyFile, '-out', certFile,
    ]);
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

let loopbackCertificate: Promise<TestCertificate> | undefined;

/** The certificate for localhost, 127.0.0.1 and ::1, made once per test process. */
export function loopbackTestCertificate(): Promise<TestCertificate> {
  loopbackCertificate ??= createTestCertificate();
  return loopbackCertificate;
}

/** One request as the receiver got it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as sent (what signatures are computed over). */
  rawBody: Buffer;
  /** The body as UTF-8. */
  body: string;
  /** The TLS server name (SNI) the client sent, or null when it sent none. */
  servername: string | null;
}

/** How the receiver answers. */
export interface ReceiverResponse {
  status: number;
  headers?: Record<string, string>;
  /** Shorthand for a `Location` header. */
  location?: string;
  body?: string;
  /** Waits this long after reading the request before answering. */
  delayMs?: number;
  /** Never answers (the connection stays open until the client gives up or `stop`). */
  hang?: boolean;
}

/** Where and how a receiver listens. */
export interface HttpsReceiverOptions {
  /** Address to listen on; 127.0.0.1 unless given. */
  host?: string;
  /** Port to listen on; a free one unless given. */
  port?: number;
  /** Defaults to `loopbackTestCertificate()`. */
  certificate?: TestCertificate;
  /** Defaults to 200 with an empty body. */
  response?: ReceiverResponse;
}

/** A running HTTPS receiver. */
export interface HttpsReceiver {
  /** `https://<host>:<port>`, no trailing slash. */
  url: string;
  host: string;
  port: number;
  /** The certificate to trust (PEM). */
  ca: string;
  /** Every request, in arrival order. */
  requests: ReceivedRequest[];
  /** TCP connections accepted so far, whether or not TLS or HTTP followed. */
  connections(): number;
  /** Replaces how the receiver answers from the next request on. */
  setResponse(response: ReceiverResponse): void;
  stop(): Promise<void>;
}

/** Starts a `node:https` server that records every request and answers as configured. */
export async function startHttpsReceiver(options: HttpsReceiverOptions = {}): Promise<HttpsReceiver> {
  const certificate = options.certificate ?? (await loopbackTestCertificate());
  const host = options.host ?? '127.0.0.1';
  const requests: ReceivedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let response: ReceiverResponse = options.response ?? { status: 200 };
  let connections = 0;
  const server = https.createServer({ key: certificate.key, cert: certificate.cert }, (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const servername = (incoming.socket as TLSSocket).servername;
      requests.push({
        method: incoming.method ?? '',
        url: incoming.url ?? '',
        headers: incoming.headers,
        rawBody,
        body: rawBody.toString('utf8'),
        servername: typeof servername === 'string' && servername !== '' ? servername : null,
      });
      const answer = response;
      if (answer.hang === true) return;
      const reply = (): void => {
        const headers: Record<string, string> = { ...answer.headers };
        if (answer.location !== undefined) headers['location'] = answer.location;
        outgoing.writeHead(answer.status, headers).end(answer.body ?? '');
      };
      if (answer.delayMs === undefined) return reply();
      const timer = setTimeout(() => {
        timers.delete(timer);
        reply();
      }, answer.delayMs);
      timers.add(timer);
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  // A client that rejects the certificate hangs up mid-handshake; that is a test's business, not an error.
  server.on('tlsClientError', () => {});
  const port = await listen(server, host, options.port ?? 0);
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    ca: certificate.cert,
    requests,
    connections: () => connections,
    setResponse: (next) => {
      response = next;
    },
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      await close(server);
    },
  };
}

/** A TCP listener that accepts connections, counts them and hangs up at once. */
export interface ConnectionCounter {
  host: string;
  port: number;
  connections(): number;
  stop(): Promise<void>;
}

/** Starts a connection counter, to assert that something never connected (expect 0). */
export async function startConnectionCounter(options: { host?: string; port?: number } = {}): Promise<ConnectionCounter> {
  const host = options.host ?? '127.0.0.1';
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  const port = await listen(server, host, options.port ?? 0);
  return { host, port, connections: () => connections, stop: () => close(server) };
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('the server has no TCP address'));
      resolve(address.port);
    });
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Hung requests and kept-alive sockets would otherwise hold close() open.
    if (server instanceof https.Server) server.closeAllConnections();
  });
}
