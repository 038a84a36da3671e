/** Credits: exact money, every movement a ledger row, the ledger always summing to the balance. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sumLedger } from '../../src/db/queries/credit-ledger.ts';
import { formatUsd, parseUsd } from '../../src/money.ts';
import { ADMIN_TOKEN, errorCode, registerOrg, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

function grant(orgId: string, amount: string, reason = 'test grant') {
  return server.request('POST', `/operator/v1/orgs/${orgId}/credits`, { key: ADMIN_TOKEN, body: { amount, reason } });
}

describe('money as integer micro-USD', () => {
  it('parses and renders dollar amounts exactly', () => {
    expect(parseUsd('42')).toBe(42_000_000);
    expect(parseUsd('0.1')).toBe(100_000);
    expect(parseUsd('0.000001')).toBe(1);
    expect(parseUsd('19.99')).toBe(19_990_000);
    expect(parseUsd('1.0000001')).toBeNull();
    expect(parseUsd('-1')).toBeNull();
    expect(parseUsd('1e3')).toBeNull();
    expect(parseUsd('1000000001')).toBeNull();
    expect(formatUsd(42_000_000)).toBe('42.00');
    expect(formatUsd(1_500_000)).toBe('1.50');
    expect(formatUsd(123)).toBe('0.000123');
    expect(formatUsd(1_234_500)).toBe('1.2345');
    expect(formatUsd(0)).toBe('0.00');
  });

  it('0.1 + 0.2 is 0.30, not 0.30000000000000004', async () => {
    const org = await registerOrg(server);
    await grant(org.orgId, '0.1');
    await grant(org.orgId, '0.2');
    const account = await server.request<{ credit_balance: { amount: string } }>('GET', '/v1/auth/account', { key: org.key });
    expect(account.body.credit_balance).toEqual({ currency: 'usd', amount: '0.30' });
  });
});

describe('grants', () => {
  it('show on the account and add one ledger row each, with the balance after it', async () => {
    const org = await registerOrg(server);
    const response = await grant(org.orgId, '42', 'welcome credit');
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ org_id: org.orgId, credit_balance: { currency: 'usd', amount: '42.00' } });
    const account = await server.request('GET', '/v1/auth/account', { key: org.key });
    expect(account.body['credit_balance']).toEqual({ currency: 'usd', amount: '42.00' });
    const rows = await server.server.database.db.selectFrom('credit_ledger').selectAll().where('org_id', '=', org.orgId).execute();
    expect(rows).toEqual([
      expect.objectContaining({ entry_type: 'grant', amount_micros: 42_000_000, balance_after_micros: 42_000_000, reason: 'welcome credit', actor: 'operator' }),
    ]);
  });

  it('keep the ledger summing to the balance under 40 concurrent grants', async () => {
    const org = await registerOrg(server);
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => grant(org.orgId, `0.0${(i % 9) + 1}`)));
    expect(responses.every((r) => r.status === 201)).toBe(true);
    const expected = Array.from({ length: 40 }, (_, i) => ((i % 9) + 1) * 10_000).reduce((a, b) => a + b, 0);
    const orgRow = await server.server.database.db.selectFrom('orgs').select('credit_balance_micros').where('id', '=', org.orgId).executeTakeFirstOrThrow();
    expect(orgRow.credit_balance_micros).toBe(expected);
    expect(await sumLedger(server.server.database.db, org.orgId)).toBe(expected);
    const afters = (await server.server.database.db.selectFrom('credit_ledger').select('balance_after_micros').where('org_id', '=', org.orgId).execute())
      .map((r) => r.balance_after_micros)
      .sort((a, b) => a - b);
    expect(new Set(afters).size).toBe(40);
    expect(afters.at(-1)).toBe(expected);
  });

  it('refuse bad amounts and unknown orgs, changing nothing', async () => {
    const org = await registerOrg(server);
    for (const amount of ['0', '-5', 'abc', '1.1234567', '1e6', '', '99999999999']) {
      const response = await grant(org.orgId, amount);
      expect(response.status, amount).toBe(400);
      expect(errorCode(response)).toBe('invalid_request');
    }
    const unknown = await grant('org_doesnotexist', '5');
    expect(unknown.status).toBe(404);
    expect(errorCode(unknown)).toBe('org_not_found');
    expect(await sumLedger(server.server.database.db, org.orgId)).toBe(0);
  });

  it('the database refuses a negative balance outright', async () => {
    const org = await registerOrg(server);
    await grant(org.orgId, '1');
    await expect(
      server.server.database.db.updateTable('orgs').set({ credit_balance_micros: -1 }).where('id', '=', org.orgId).execute(),
    ).rejects.toThrow(/check/i);
  });
});
