/**
 * Where a webhook may be delivered: the rules that keep customer-supplied URLs from being turned
 * against the network BatchRouter runs in (SSRF). Pure functions, no I/O: `checkWebhookUrl` judges
 * a URL as written, `checkAddress` judges one IP address. `safe-post.ts` applies both again at
 * every delivery, after resolving the name once.
 *
 * Only addresses that are globally routable unicast are allowed. The WHATWG URL parser (Node's
 * `URL`) already turns odd IPv4 spellings into dotted decimal for `https:` URLs (`2130706433`,
 * `0177.0.0.1`, `0x7f.1`, `127.1`, full-width digits, percent-encoding all become `127.0.0.1`), so
 * the rules below only ever see canonical addresses; `checkAddress` itself accepts nothing else.
 * @example checkWebhookUrl('https://hooks.example.com/batchrouter', { allowedHosts: new Set() })
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The operator's exceptions. `allowedHosts` holds host names and IP literals exactly as
 * `hostKey` spells them: lower case, no trailing dot, no port, IPv4 in dotted decimal, IPv6
 * compressed inside brackets (`localhost`, `127.0.0.1`, `[::1]`). Build entries with
 * `normalizeAllowedHost`. A URL on an allowed host skips the name and address rules (any port),
 * never the https-only, no-userinfo and length rules. Subdomains of an entry are not allowed.
 */
export interface WebhookPolicy {
  allowedHosts: ReadonlySet<string>;
}

/** Whether one IP address may be connected to, and if not, why (for people). */
export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/** The longest webhook URL accepted, in characters. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

interface ForbiddenRange {
  cidr: Cidr;
  /** Completes "<address> is …". */
  what: string;
}

function forbidden(cidr: string, what: string): ForbiddenRange {
  return { cidr: ipaddr.parseCIDR(cidr), what };
}

/*
 * Refused whatever ipaddr.js says, so a future reclassification in the library cannot open them
 * up, and so each refusal names its range precisely. More specific entries come first.
 */
const FORBIDDEN_IPV4: readonly ForbiddenRange[] = [
  forbidden('169.254.169.254/32', 'the cloud instance metadata address'),
  forbidden('255.255.255.255/32', 'the broadcast address'),
  forbidden('0.0.0.0/8', 'an unspecified ("this network") address'),
  forbidden('10.0.0.0/8', 'a private address'),
  forbidden('100.64.0.0/10', 'a carrier-grade NAT address'),
  forbidden('127.0.0.0/8', 'a loopback address'),
  forbidden('169.254.0.0/16', 'a link-local address'),
  forbidden('172.16.0.0/12', 'a private address'),
  forbidden('192.0.0.0/24', 'an IETF protocol assignment address'),
  forbidden('192.0.2.0/24', 'a documentation address'),
  forbidden('192.88.99.0/24', 'a 6to4 relay anycast address'),
  forbidden('192.168.0.0/16', 'a private address'),
  forbidden('198.18.0.0/15', 'a benchmarking address'),
  forbidden('198.51.100.0/24', 'a documentation address'),
  forbidden('203.0.113.0/24', 'a documentation address'),
  forbidden('224.0.0.0/4', 'a multicast address'),
  forbidden('240.0.0.0/4', 'a reserved address'),
];

const FORBIDDEN_IPV6: readonly ForbiddenRange[] = [
  forbidden('::/128', 'the unspecified address'),
  forbidden('::1/128', 'the loopback address'),
  forbidden('::ffff:0:0/96', 'an IPv4-mapped address'),
  forbidden('::/96', 'an IPv4-compatible address'),
  forbidden('64:ff9b::/96', 'a NAT64 address'),
  forbidden('64:ff9b:1::/48', 'a local-use NAT64 address'),
  forbidden('100::/64', 'a discard-only address'),
  forbidden('2001::/32', 'a Teredo address'),
  forbidden('2001:2::/48', 'a benchmarking address'),
  forbidden('2001:db8::/32', 'a documentation address'),
  forbidden('2001::/23', 'an IETF protocol assignment address'),
  forbidden('2002::/16', 'a 6to4 address'),
  forbidden('3fff::/20', 'a documentation address'),
  forbidden('fd00:ec2::254/128', 'the AWS instance metadata address'),
  forbidden('fc00::/7', 'a unique-local address'),
  forbidden('fe80::/10', 'a link-local address'),
  forbidden('fec0::/10', 'a site-local address'),
  forbidden('ff00::/8', 'a multicast address'),
];

/** Every globally routable IPv6 unicast address lies here; the rest of the space is special. */
const GLOBAL_UNICAST_IPV6 = ipaddr.parseCIDR('2000::/3');

/** Names that reach this machine, the local network or a cloud metadata service without DNS. */
const FORBIDDEN_NAMES: ReadonlyMap<string, string> = new Map([
  ['localhost', 'names this machine'],
  ['metadata', 'is a cloud metadata host name'],
  ['instance-data', 'is a cloud metadata host name'],
]);

const FORBIDDEN_SUFFIXES: ReadonlyMap<string, string> = new Map([
  ['.localhost', 'names this machine'],
  ['.local', 'is a local-network (mDNS) name'],
  ['.internal', 'is a private-network name (cloud metadata and internal services live there)'],
  ['.home.arpa', 'is a home-network name'],
]);

/** Decides whether `ip` (an IPv4 dotted quad or an IPv6 address, no brackets) may be connected to. */
export function checkAddress(ip: string): AddressVerdict {
  // net.isIP accepts only canonical spellings: "127.1" or "0x7f000001" are not addresses here.
  if (isIP(ip) === 0) return { allowed: false, reason: `${JSON.stringify(ip)} is not an IP address` };
  if (ip.includes('%')) return { allowed: false, reason: `${ip} carries a zone index, which only link-local addresses use` };
  const address = ipaddr.parse(ip);
  const ranges = address.kind() === 'ipv4' ? FORBIDDEN_IPV4 : FORBIDDEN_IPV6;
  const hit = ranges.find((range) => address.match(range.cidr));
  if (hit !== undefined) return { allowed: false, reason: `${ip} is ${hit.what}` };
  const range = address.range();
  if (range !== 'unicast') return { allowed: false, reason: `${ip} is in the special-purpose range "${range}"` };
  if (address.kind() === 'ipv6' && !address.match(GLOBAL_UNICAST_IPV6)) {
    return { allowed: false, reason: `${ip} is not a global unicast address (outside 2000::/3)` };
  }
  return { allowed: true };
}

/** The host of `url` in the form `WebhookPolicy.allowedHosts` holds (see there). */
export function hostKey(url: URL): string {
  return url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname;
}

/** Whether the operator allowed the host of `url` explicitly. */
export function isAllowedHost(url: URL, policy: WebhookPolicy): boolean {
  return policy.allowedHosts.has(hostKey(url));
}

/**
 * The `allowedHosts` entry for a host as an operator writes it (`LocalHost`, `::1`, `[::1]`,
 * `127.0.0.1`), or null when it is not a bare host (a port, path or scheme was included).
 */
export function normalizeAllowedHost(entry: string): string | null {
  const trimmed = entry.trim();
  const bracketed = trimmed.includes(':') && !trimmed.startsWith('[') ? `[${trimmed}]` : trimmed;
  const url = URL.parse(`https://${bracketed}/`);
  if (url === null || url.host !== url.hostname || url.username !== '' || url.password !== '' || url.href !== `https://${url.host}/`) return null;
  return hostKey(url);
}

/** The address inside an IP-literal host (`[::1]` → `::1`), or null when the host is a name. */
export function ipLiteralOf(url: URL): string | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) === 0 ? null : host;
}

/**
 * Checks a webhook URL as written, without resolving it: it parses, is https, has no user name or
 * password, is at most 2048 characters, and its host is neither a forbidden name nor a forbidden
 * IP literal (allowed hosts skip these last two). Returns the parsed URL, which is what should be
 * stored (`url.href`): it is the spelling every later check sees.
 */
export function checkWebhookUrl(raw: string, policy: WebhookPolicy): { url: URL } | { problem: string } {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return { problem: `the URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters` };
  const url = URL.parse(raw);
  if (url === null) return { problem: 'the URL does not parse' };
  if (url.protocol !== 'https:') return { problem: `webhook URLs must use https (this one uses ${url.protocol.slice(0, -1)})` };
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) return { problem: `the URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters once normalised` };
  if (url.username !== '' || url.password !== '') return { problem: 'webhook URLs may not contain a user name or password' };
  if (isAllowedHost(url, policy)) return { url };
  const literal = ipLiteralOf(url);
  if (literal !== null) {
    const verdict = checkAddress(literal);
    return verdict.allowed ? { url } : { problem: verdict.reason };
  }
  const problem = hostNameProblem(hostKey(url));
  return problem === null ? { url } : { problem };
}

/** Why a host name (lower case, no trailing dot, not an IP literal) may not be used, or null. */
function hostNameProblem(name: string): string | null {
  const quoted = JSON.stringify(name);
  const named = FORBIDDEN_NAMES.get(name);
  if (named !== undefined) return `${quoted} ${named}`;
  for (const [suffix, why] of FORBIDDEN_SUFFIXES) {
    if (name.endsWith(suffix)) return `${quoted} ${why}`;
  }
  // After IDNA the URL parser leaves ASCII; anything beyond letters, digits, "-" and "_" is no DNS name.
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name)) return `${quoted} is not a valid DNS name`;
  if (!name.includes('.')) return `${quoted} has no dot: single-label names resolve inside the local network`;
  return null;
}
