/**
 * Which key and endpoint each catalog provider uses: `<PROVIDER>_API_KEY` and `<PROVIDER>_BASE_URL`
 * from the environment (the provider id upper-cased, other characters as `_`: `openai` →
 * OPENAI_API_KEY, `together-ai` → TOGETHER_AI_API_KEY), the endpoint falling back to the catalog's
 * `base_url`, then to the official client's own default.
 */
import type { Config } from '../config.ts';
import type { Catalog, CatalogProvider } from '../domain/catalog.ts';

export interface ProviderAccess {
  apiKey: string | null;
  /** null: the official client's default endpoint. */
  baseURL: string | null;
}

/** @example environmentPrefix('together-ai') // 'TOGETHER_AI' */
export function environmentPrefix(providerId: string): string {
  return providerId.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function providerAccess(provider: CatalogProvider, config: Pick<Config, 'providerEnvironment'>): ProviderAccess {
  const prefix = environmentPrefix(provider.id);
  return {
    apiKey: config.providerEnvironment.get(`${prefix}_API_KEY`) ?? null,
    baseURL: config.providerEnvironment.get(`${prefix}_BASE_URL`) ?? provider.base_url,
  };
}

/**
 * The providers whose lanes can run: OpenAI and Anthropic need a key; an OpenAI-compatible
 * endpoint needs its URL (a local vLLM or Ollama often takes no key).
 */
export function configuredProviders(catalog: Catalog, config: Pick<Config, 'providerEnvironment'>): Set<string> {
  const configured = new Set<string>();
  for (const provider of catalog.providers) {
    const access = providerAccess(provider, config);
    if (provider.kind === 'openai_compatible' ? access.baseURL !== null : provider.kind !== 'sandbox' && access.apiKey !== null) configured.add(provider.id);
  }
  return configured;
}
