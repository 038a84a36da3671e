/**
 * The webhook address policy as a specification: every way of writing a URL that reaches this
 * machine, its network or a cloud metadata service is refused when the URL is saved; public
 * HTTPS URLs and the operator's allowed hosts are accepted.
 */
import { describe, expect, it } from 'vitest';
import { checkAddress, checkWebhookUrl, normalizeAllowedHost, type WebhookPolicy } from '../../src/webhooks/address-policy.ts';

const NO_EXCEPTIONS: WebhookPolicy = { allowedHosts: new Set() };
const LOCAL_RECEIVER: WebhookPolicy = { allowedHosts: new Set(['localhost', '127.0.0.1', '[::1]']) };

function problemOf(raw: string, policy: WebhookPolicy = NO_EXCEPTIONS): string {
  const result = checkWebhookUrl(raw, policy);
  if (!('problem' in result)) throw new Error(`${raw} was accepted as ${result.url.href}`);
  return result.problem;
}

function accepted(raw: string, policy: WebhookPolicy = NO_EXCEPTIONS): string {
  const result = checkWebhookUrl(raw, policy);
  if ('problem' in result) throw new Error(`${raw} was refused: ${result.problem}`);
  return result.url.href;
}

describe('a webhook URL is refused when it could reach inside the network', () => {
  // [what the attempt is, the URL, a fragment of the reason people are shown]
  const attempts: [string, string, RegExp][] = [
    ['plain http', 'http://hooks.example.com/', /must use https/],
    ['another scheme', 'ftp://hooks.example.com/', /must use https/],
    ['a file URL', 'file:///etc/passwd', /must use https/],
    ['a user name and password', 'https://user:secret@hooks.example.com/', /user name or password/],
    ['a user name alone', 'https://admin@hooks.example.com/', /user name or password/],
    ['loopback', 'https://127.0.0.1/', /127\.0\.0\.1 is a loopback address/],
    ['loopback beyond .1', 'https://127.255.0.9:8443/', /loopback/],
    ['loopback as a decimal number', 'https://2130706433/', /127\.0\.0\.1 is a loopback/],
    ['loopback in octal', 'https://0177.0.0.1/', /127\.0\.0\.1 is a loopback/],
    ['loopback in hex', 'https://0x7f.1/', /127\.0\.0\.1 is a loopback/],
    ['loopback as one hex number', 'https://0x7f000001/', /127\.0\.0\.1 is a loopback/],
    ['loopback in short form', 'https://127.1/', /127\.0\.0\.1 is a loopback/],
    ['loopback with a trailing dot', 'https://127.0.0.1./', /loopback/],
    ['loopback percent-encoded', 'https://%31%32%37.0.0.1/', /loopback/],
    ['loopback in full-width digits', 'https://１２７.０.０.１/', /loopback/],
    ['the unspecified IPv4 address', 'https://0.0.0.0/', /unspecified/],
    ['0 as a host', 'https://0/', /0\.0\.0\.0 is an unspecified/],
    ['the unspecified IPv6 address', 'https://[::]/', /unspecified/],
    ['IPv6 loopback', 'https://[::1]/', /::1 is the loopback address/],
    ['IPv6 loopback written out', 'https://[0:0:0:0:0:0:0:1]/', /loopback/],
    ['IPv4-mapped loopback, dotted', 'https://[::ffff:127.0.0.1]/', /IPv4-mapped/],
    ['IPv4-mapped loopback, hex', 'https://[::ffff:7f00:1]/', /IPv4-mapped/],
    ['IPv4-mapped public address', 'https://[::ffff:8.8.8.8]/', /IPv4-mapped/],
    ['IPv4-compatible loopback', 'https://[::127.0.0.1]/', /IPv4-compatible/],
    ['NAT64 of loopback', 'https://[64:ff9b::7f00:1]/', /NAT64/],
    ['local-use NAT64', 'https://[64:ff9b:1::a00:1]/', /NAT64/],
    ['6to4 of loopback', 'https://[2002:7f00:1::]/', /6to4/],
    ['Teredo', 'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', /Teredo/],
    ['IPv6 link-local', 'https://[fe80::1]/', /link-local/],
    ['IPv6 unique-local fc00::', 'https://[fc00::1]/', /unique-local/],
    ['IPv6 unique-local fd00::', 'https://[fd12:3456::1]/', /unique-local/],
    ['the AWS IPv6 metadata address', 'https://[fd00:ec2::254]/', /metadata/],
    ['IPv6 documentation', 'https://[2001:db8::1]/', /documentation/],
    ['IPv6 site-local', 'https://[fec0::1]/', /site-local/],
    ['IPv6 multicast', 'https://[ff02::1]/', /multicast/],
    ['the cloud metadata address', 'https://169.254.169.254/latest/meta-data/', /metadata/],
    ['IPv4 link-local', 'https://169.254.10.1/', /link-local/],
    ['carrier-grade NAT', 'https://100.64.0.1/', /carrier-grade NAT/],
    ['the Alibaba metadata address', 'https://100.100.100.200/', /carrier-grade NAT/],
    ['private 10/8', 'https://10.0.0.1/', /private/],
    ['private 172.16/12', 'https://172.16.0.1/', /private/],
    ['private 172.31', 'https://172.31.255.254/', /private/],
    ['private 192.168/16', 'https://192.168.1.1/', /private/],
    ['IETF protocol assignments', 'https://192.0.0.8/', /IETF/],
    ['IPv4 documentation', 'https://192.0.2.1/', /documentation/],
    ['IPv4 documentation 2', 'https://198.51.100.7/', /documentation/],
    ['IPv4 documentation 3', 'https://203.0.113.9/', /documentation/],
    ['benchmarking', 'https://198.18.0.1/', /benchmarking/],
    ['multicast', 'https://224.0.0.1/', /multicast/],
    ['broadcast', 'https://255.255.255.255/', /broadcast/],
    ['reserved 240/4', 'https://240.0.0.1/', /reserved/],
    ['localhost', 'https://localhost/', /names this machine/],
    ['localhost in capitals with a dot', 'https://LOCALHOST./', /names this machine/],
    ['localhost in full-width letters', 'https://ｌｏｃａｌｈｏｓｔ/', /names this machine/],
    ['a subdomain of localhost', 'https://foo.localhost/', /names this machine/],
    ['an mDNS name', 'https://printer.local/', /local-network/],
    ['the GCP metadata name', 'https://metadata.google.internal/computeMetadata/v1/', /private-network name/],
    ['the GCP metadata name with a dot', 'https://metadata.google.internal./', /private-network name/],
    ['an EC2 internal name', 'https://ip-10-0-0-1.ec2.internal/', /private-network name/],
    ['the bare metadata name', 'https://metadata/', /cloud metadata host name/],
    ['the EC2 instance-data name', 'https://instance-data/latest/', /cloud metadata host name/],
    ['a home network name', 'https://nas.home.arpa/', /home-network/],
    ['a single-label name', 'https://intranet/', /single-label/],
    ['a top-level domain alone', 'https://com./', /single-label/],
    ['a name with an empty label', 'https://a..example.com/', /not a valid DNS name/],
  ];

  it.each(attempts)('refuses %s (%s)', (_attempt, raw, reason) => {
    expect(problemOf(raw)).toMatch(reason);
  });

  it('covers at least forty distinct attempts', () => {
    expect(new Set(attempts.map(([, raw]) => raw)).size).toBeGreaterThanOrEqual(40);
  });

  it('refuses what does not parse', () => {
    expect(problemOf('not a url')).toMatch(/does not parse/);
    expect(problemOf('https://999.1.1.1/')).toMatch(/does not parse/);
    expect(problemOf('https://[fe80::1%25eth0]/')).toMatch(/does not parse/);
  });

  it('refuses a URL longer than 2048 characters', () => {
    expect(problemOf(`https://hooks.example.com/${'a'.repeat(2048)}`)).toMatch(/longer than 2048/);
    expect(accepted(`https://hooks.example.com/${'a'.repeat(2000)}`)).toHaveLength(2026);
  });
});

describe('a public https URL is accepted in its normalised spelling', () => {
  it('accepts names and public addresses on any port', () => {
    expect(accepted('https://hooks.example.com/batchrouter?team=1')).toBe('https://hooks.example.com/batchrouter?team=1');
    expect(accepted('HTTPS://Hooks.Example.COM:8443/x')).toBe('https://hooks.example.com:8443/x');
    expect(accepted('https://93.184.215.14/')).toBe('https://93.184.215.14/');
    expect(accepted('https://[2606:4700:4700::1111]:444/')).toBe('https://[2606:4700:4700::1111]:444/');
  });

  it('returns the hex spelling of a public address as dotted decimal', () => {
    expect(accepted('https://0x5db8d70e/')).toBe('https://93.184.215.14/');
  });
});

describe('hosts the operator allowed', () => {
  it('skip the name and address rules', () => {
    expect(accepted('https://localhost:8443/hook', LOCAL_RECEIVER)).toBe('https://localhost:8443/hook');
    expect(accepted('https://127.0.0.1:9000/', LOCAL_RECEIVER)).toBe('https://127.0.0.1:9000/');
    expect(accepted('https://[::1]:9000/', LOCAL_RECEIVER)).toBe('https://[::1]:9000/');
    expect(accepted('https://LocalHost./', LOCAL_RECEIVER)).toBe('https://localhost./');
  });

  it('still must use https and carry no credentials', () => {
    expect(problemOf('http://localhost:8443/', LOCAL_RECEIVER)).toMatch(/must use https/);
    expect(problemOf('https://user:pw@localhost/', LOCAL_RECEIVER)).toMatch(/user name or password/);
  });

  it('do not extend to subdomains or to other spellings of other addresses', () => {
    expect(problemOf('https://evil.localhost/', LOCAL_RECEIVER)).toMatch(/names this machine/);
    expect(problemOf('https://127.0.0.2/', LOCAL_RECEIVER)).toMatch(/loopback/);
  });

  it('match any spelling of the same address, since URLs are normalised first', () => {
    expect(accepted('https://0x7f.1/', LOCAL_RECEIVER)).toBe('https://127.0.0.1/');
  });

  it('are written in the form normalizeAllowedHost gives', () => {
    expect(normalizeAllowedHost('LocalHost.')).toBe('localhost');
    expect(normalizeAllowedHost('::1')).toBe('[::1]');
    expect(normalizeAllowedHost('[0:0::1]')).toBe('[::1]');
    expect(normalizeAllowedHost('2130706433')).toBe('127.0.0.1');
    expect(normalizeAllowedHost('receiver.test')).toBe('receiver.test');
    expect(normalizeAllowedHost('localhost:8443')).toBeNull();
    expect(normalizeAllowedHost('https://localhost')).toBeNull();
    expect(normalizeAllowedHost('localhost/path')).toBeNull();
  });
});

describe('checkAddress judges one resolved address', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['10.1.2.3', /private/],
    ['169.254.169.254', /metadata/],
    ['::ffff:a00:1', /IPv4-mapped/],
    ['fe80::1%eth0', /zone index/],
    ['5f00::1', /special-purpose/],
    ['100::1', /discard/],
    ['2620:4f:8000::1', /special-purpose/],
    ['3fff::1', /documentation/],
    ['192.52.193.1', /special-purpose/],
  ])('refuses %s', (ip, reason) => {
    const verdict = checkAddress(ip);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.reason).toMatch(reason);
  });

  it.each(['127.1', '2130706433', '0x7f000001', '0177.0.0.1', 'localhost', '', '[::1]'])('refuses %j, which is not a canonical IP address', (ip) => {
    expect(checkAddress(ip)).toEqual({ allowed: false, reason: `${JSON.stringify(ip)} is not an IP address` });
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '2606:4700:4700::1111', '2a00:1450:4001:82b::200e'])('allows the public address %s', (ip) => {
    expect(checkAddress(ip)).toEqual({ allowed: true });
  });
});
