/** Provider credentials and endpoints from the environment, named after each provider's id. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { Catalog } from '../../src/domain/catalog.ts';
import { configuredProviders, environmentPrefix, providerAccess } from '../../src/lanes/credentials.ts';

const catalog: Catalog = {
  platform_fee_bps: 0,
  providers: [
    { id: 'sandbox', name: 'Sandbox', kind: 'sandbox', base_url: null },
    { id: 'openai', name: 'OpenAI', kind: 'openai', base_url: null },
    { id: 'anthropic', name: 'Anthropic', kind: 'anthropic', base_url: null },
    { id: 'together-ai', name: 'Together', kind: 'openai_compatible', base_url: 'https://together.example/v1' },
    { id: 'vllm', name: 'Our vLLM', kind: 'openai_compatible', base_url: null },
  ],
  models: [],
  lanes: [],
};
const provider = (id: string) => {
  const found = catalog.providers.find((p) => p.id === id);
  if (!found) throw new Error(id);
  return found;
};

describe('provider credentials', () => {
  it('names the variables after the provider id', () => {
    expect(environmentPrefix('openai')).toBe('OPENAI');
    expect(environmentPrefix('together-ai')).toBe('TOGETHER_AI');
    expect(environmentPrefix('local.vllm')).toBe('LOCAL_VLLM');
  });

  it('takes the key from <PROVIDER>_API_KEY and the endpoint from <PROVIDER>_BASE_URL, else the catalog', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-1', TOGETHER_AI_API_KEY: 'tg-1', VLLM_BASE_URL: 'http://127.0.0.1:8000/v1' });
    expect(providerAccess(provider('openai'), config)).toEqual({ apiKey: 'sk-1', baseURL: null });
    expect(providerAccess(provider('together-ai'), config)).toEqual({ apiKey: 'tg-1', baseURL: 'https://together.example/v1' });
    expect(providerAccess(provider('vllm'), config)).toEqual({ apiKey: null, baseURL: 'http://127.0.0.1:8000/v1' });
  });

  it('enables OpenAI and Anthropic with a key, an OpenAI-compatible endpoint with a URL, never the sandbox', () => {
    expect(configuredProviders(catalog, loadConfig({}))).toEqual(new Set(['together-ai']));
    expect(configuredProviders(catalog, loadConfig({ OPENAI_API_KEY: 'sk-1', VLLM_BASE_URL: 'http://127.0.0.1:8000/v1', SANDBOX_API_KEY: 'x' }))).toEqual(
      new Set(['openai', 'together-ai', 'vllm']),
    );
    expect(configuredProviders(catalog, loadConfig({ ANTHROPIC_API_KEY: 'sk-ant' }))).toEqual(new Set(['anthropic', 'together-ai']));
  });

  it('refuses a base URL that is not http(s) at start-up, naming the variable', () => {
    expect(() => loadConfig({ OPENAI_BASE_URL: 'file:///etc/passwd' })).toThrow(ConfigError);
    expect(() => loadConfig({ OPENAI_BASE_URL: 'file:///etc/passwd' })).toThrow(/OPENAI_BASE_URL must be an http/);
  });
});
