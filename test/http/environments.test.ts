/** One instance serves one environment: a key of the other one gets 401 with a hint. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/domain/api-key-secrets.ts';
import { errorCode, registerOrg, startTestServer, type TestServer } from '../helpers/server.ts';

let live: TestServer;
let test: TestServer;
beforeAll(async () => {
  [live, test] = await Promise.all([startTestServer(), startTestServer({ environment: 'test' })]);
});
afterAll(async () => Promise.all([live?.stop(), test?.stop()]));

describe('environments', () => {
  it('a test instance issues br_test_ keys', async () => {
    const org = await registerOrg(test);
    expect(org.key).toMatch(/^br_test_/);
    expect((await test.request('GET', '/v1/auth/account', { key: org.key })).status).toBe(200);
  });

  it('a br_test_ key against the live instance gets 401 api_key_wrong_environment, pointing at the test environment', async () => {
    const org = await registerOrg(test);
    const response = await live.request('GET', '/v1/auth/account', { key: org.key });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_wrong_environment');
    expect(JSON.stringify(response.body)).toContain('test');
  });

  it('a br_live_ key against the test instance gets 401 api_key_wrong_environment', async () => {
    const org = await registerOrg(live);
    const response = await test.request('GET', '/v1/auth/account', { key: org.key });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('api_key_wrong_environment');
  });

  it('a legacy ob_live_ key against the test instance is the wrong environment too', async () => {
    const response = await test.request('GET', '/v1/auth/account', { key: 'ob_live_Legacy0123456789abcdef' });
    expect(errorCode(response)).toBe('api_key_wrong_environment');
  });

  it('the wrong-environment answer needs no database: even unknown keys of the other environment get it', async () => {
    const response = await live.request('GET', '/v1/auth/account', { key: generateSecret('test') });
    expect(errorCode(response)).toBe('api_key_wrong_environment');
  });
});
