/** POST /v1/batches/quote (and its alias POST /v1/quotes/model): price a manifest across lanes. */
import { resolveManifest, type ManifestRequest } from '../../domain/files.ts';
import { createQuote, type RoutingContext } from '../../domain/quotes.ts';
import type { App } from '../app.ts';
import { principalOf } from '../authentication.ts';
import { measureItemsEarly, QuoteBody } from '../manifest-schema.ts';

export function registerQuoteRoutes(app: App, ctx: RoutingContext, bodyLimit: number): void {
  for (const url of ['/v1/batches/quote', '/v1/quotes/model']) {
    app.post(
      url,
      {
        bodyLimit,
        config: { scope: 'batches:write' },
        preValidation: measureItemsEarly(ctx.measurer, false),
        schema: {
          tags: ['batches'],
          summary: url === '/v1/batches/quote' ? 'Quote a manifest: price, lanes, savings; locks prices for 10 minutes' : 'Alias of POST /v1/batches/quote',
          description:
            'Costs nothing and reserves nothing. Every enabled lane is listed as selected or with the reason it was rejected (privacy, region, health, sla, capacity, model_not_acceptable, price, speed).',
          security: [{ bearer: [] }],
          body: QuoteBody,
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return createQuote(ctx, principal, await resolveManifest(ctx, principal, request.body as ManifestRequest));
      },
    );
  }
}
