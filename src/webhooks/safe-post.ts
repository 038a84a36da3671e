/**
 * The one way a webhook leaves BatchRouter: an HTTPS POST that connects only where the address
 * policy allows. Each delivery checks the URL, resolves the name once, checks every answer and
 * hands exactly those answers to the socket, so a DNS answer that changes between check and
 * connect (DNS rebinding) cannot redirect it. Redirects are never followed, sockets never pooled.
 * Nothing throws: every result, refusal or error comes back as a `PostOutcome`.
 * @example await safePost({ url, body, headers }, { policy, resolver: systemResolver, timeoutMs: 10_000 })
 */
import { isIP, type LookupFunction } from 'node:net';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import tls from 'node:tls';
import { checkAddress, checkWebhookUrl, hostKey, ipLiteralOf, isAllowedHost, type WebhookPolicy } from './address-policy.ts';
import type { HostResolver, ResolvedAddress } from './resolver.ts';

/** How `safePost` delivers. */
export interface SafePostOptions {
  policy: WebhookPolicy;
  resolver: HostResolver;
  /** One limit for the whole delivery: resolution, connection, TLS, and the response. */
  timeoutMs: number;
  /** An extra CA (PEM) to trust besides Node's default roots, for receivers with a private CA. */
  ca?: string;
}

/**
 * What became of one POST. `response`: the receiver answered (any status, 3xx included);
 * `refused`: the policy forbade it and no connection was made; `failed`: a network, TLS,
 * resolution or timeout error, worth retrying.
 */
export type PostOutcome =
  | { kind: 'response'; status: number; bodyExcerpt: string; durationMs: number; address: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'failed'; error: string; durationMs: number };

/** The most response body kept; past it the socket is closed. */
export const BODY_EXCERPT_BYTES = 4096;

/** Headers the caller may not set: they describe this connection, which only we know. */
const CONNECTION_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade']);

type Resolution = { addresses: ResolvedAddress[] } | { refused: string } | { unresolved: string };

/**
 * Checks `url` and resolves its host once: the addresses a delivery may connect to, or the
 * problem. An IP-literal host is not looked up; a name that fails to resolve or resolves to
 * nothing is a problem; one forbidden answer refuses the whole URL. Answers for an allowed host
 * are not checked against the address rules.
 */
export async function resolveAndCheck(url: URL, policy: WebhookPolicy, resolver: HostResolver): Promise<{ addresses: ResolvedAddress[] } | { problem: string }> {
  const resolution = await resolveForDelivery(url, policy, resolver);
  if ('addresses' in resolution) return resolution;
  return { problem: 'refused' in resolution ? resolution.refused : resolution.unresolved };
}

async function resolveForDelivery(url: URL, policy: WebhookPolicy, resolver: HostResolver): Promise<Resolution> {
  const checked = checkWebhookUrl(url.href, policy);
  if ('problem' in checked) return { refused: checked.problem };
  const literal = ipLiteralOf(checked.url);
  // checkWebhookUrl has judged an IP literal already; a lookup could only disagree with it.
  if (literal !== null) return { addresses: [{ address: literal, family: isIP(literal) === 6 ? 6 : 4 }] };
  const name = hostKey(checked.url);
  let answers: ResolvedAddress[];
  try {
    answers = await resolver(name);
  } catch (error) {
    return { unresolved: `${name} does not resolve: ${describeError(error)}` };
  }
  if (answers.length === 0) return { unresolved: `${name} resolves to no address` };
  const allowed = isAllowedHost(checked.url, policy);
  const addresses: ResolvedAddress[] = [];
  for (const { address } of answers) {
    const family = isIP(address);
    if (family === 0) return { refused: `${name} resolves to ${JSON.stringify(address)}, which is not an IP address` };
    if (!allowed) {
      const verdict = checkAddress(address);
      if (!verdict.allowed) return { refused: `${name} resolves to a forbidden address: ${verdict.reason}` };
    }
    addresses.push({ address, family: family === 6 ? 6 : 4 });
  }
  return { addresses };
}

/**
 * POSTs `request.body` to `request.url` if, and only if, the policy allows every address its host
 * resolves to, connecting to those addresses and no others. Never follows redirects, never reuses
 * a socket, keeps at most 4 KB of the response body, verifies the certificate.
 */
export async function safePost(request: { url: URL; body: string; headers: Record<string, string> }, options: SafePostOptions): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const deadline = startDeadline(options.timeoutMs);
  try {
    const resolution = await Promise.race([resolveForDelivery(request.url, options.policy, options.resolver), deadline.expired]);
    if (resolution === 'expired') return { kind: 'failed', error: deadline.message, durationMs: elapsed() };
    if ('refused' in resolution) return { kind: 'refused', reason: resolution.refused };
    if ('unresolved' in resolution) return { kind: 'failed', error: resolution.unresolved, durationMs: elapsed() };
    return await post(request, resolution.addresses, options.ca, deadline, elapsed);
  } catch (error) {
    // Only a bug lands here; the promise of safePost is still an outcome, never a throw.
    return { kind: 'failed', error: describeError(error), durationMs: elapsed() };
  } finally {
    deadline.clear();
  }
}

interface Deadline {
  signal: AbortSignal;
  /** Resolves with 'expired' when the time is up. */
  expired: Promise<'expired'>;
  message: string;
  clear(): void;
}

function startDeadline(timeoutMs: number): Deadline {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve('expired');
    }, timeoutMs);
  });
  return {
    signal: controller.signal,
    expired,
    message: `timed out after ${Number((timeoutMs / 1000).toFixed(3))} s`,
    clear: () => clearTimeout(timer),
  };
}

function post(
  request: { url: URL; body: string; headers: Record<string, string> },
  addresses: readonly ResolvedAddress[],
  ca: string | undefined,
  deadline: Deadline,
  elapsed: () => number,
): Promise<PostOutcome> {
  const { url } = request;
  const literal = ipLiteralOf(url);
  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    let responded = false;
    const settle = (outcome: PostOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const fail = (error: unknown): void => settle({ kind: 'failed', error: deadline.signal.aborted ? deadline.message : describeError(error), durationMs: elapsed() });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (!CONNECTION_HEADERS.has(name.toLowerCase())) headers[name] = value;
    }
    headers['host'] = url.host;
    headers['content-length'] = String(Buffer.byteLength(request.body));
    let outgoing;
    try {
      outgoing = https.request({
        method: 'POST',
        host: literal ?? url.hostname,
        port: url.port === '' ? 443 : Number(url.port),
        path: `${url.pathname}${url.search}`,
        headers,
        lookup: checkedLookup(addresses),
        // SNI carries names only; for an IP literal Node verifies the certificate against the IP.
        servername: literal === null ? hostKey(url) : '',
        rejectUnauthorized: true,
        ...(ca !== undefined ? { ca: [...tls.getCACertificates('default'), ca] } : {}),
        agent: false,
        signal: deadline.signal,
      });
    } catch (error) {
      // Node rejects some bad header values before any connection is attempted.
      fail(error);
      return;
    }
    outgoing.on('error', (error) => {
      if (!responded) fail(error);
    });
    outgoing.on('response', (response) => {
      responded = true;
      readExcerpt(response, (bodyExcerpt, address) => {
        settle({ kind: 'response', status: response.statusCode ?? 0, bodyExcerpt, durationMs: elapsed(), address });
        outgoing.destroy();
      });
    });
    outgoing.end(request.body);
  });
}

/**
 * Reads at most BODY_EXCERPT_BYTES of the body, then reports once: when the body ends, the cap is
 * reached, or the body is cut short (a timeout or reset after the status arrived still leaves an
 * answer from the receiver, which is what a delivery is judged on).
 */
function readExcerpt(response: IncomingMessage, done: (bodyExcerpt: string, address: string) => void): void {
  const address = response.socket.remoteAddress ?? '';
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    done(Buffer.concat(chunks).toString('utf8'), address);
  };
  response.on('data', (chunk: Buffer) => {
    const room = BODY_EXCERPT_BYTES - size;
    if (room > 0) chunks.push(chunk.subarray(0, room));
    size += Math.min(room, chunk.length);
    if (size >= BODY_EXCERPT_BYTES) finish();
  });
  response.on('end', finish);
  response.on('error', finish);
  response.on('close', finish);
}

/**
 * A `lookup` for the socket that answers with the checked addresses whatever it is asked, so the
 * connection cannot look the name up a second time. Node asks for `all` addresses when it races
 * them (autoSelectFamily, the default) and for one otherwise.
 */
function checkedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const wanted = family === 4 || family === 6 ? addresses.filter((entry) => entry.family === family) : addresses;
    process.nextTick(() => {
      const first = wanted[0];
      if (first === undefined) {
        callback(Object.assign(new Error(`no IPv${family} address among the checked addresses`), { code: 'ENOTFOUND' }), '', 0);
      } else if (options.all === true) {
        callback(null, wanted.map((entry) => ({ address: entry.address, family: entry.family })));
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

/** A one-line description of a network or TLS error, with its code when it has one. */
function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describeError).join('; ');
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
