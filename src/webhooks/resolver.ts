/**
 * Name resolution for webhook deliveries, behind a one-function interface so tests (and anything
 * else) can answer for DNS. The delivery code resolves a name once through it, checks every
 * answer, and connects only to those answers.
 * @example await systemResolver('hooks.example.com') // [{ address: '93.184.215.14', family: 4 }]
 */
import { lookup } from 'node:dns/promises';

/** One address a host name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses; rejects when the name does not resolve. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/**
 * The operating system's resolver (getaddrinfo: /etc/hosts, then DNS), every address in the order
 * it answered, as the connection itself would have looked them up.
 */
export const systemResolver: HostResolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, order: 'verbatim' });
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));
};
