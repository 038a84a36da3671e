/** GET /v1/usage: items, tokens, cost and savings over a time range, by day, model, provider or lane. */
import { Type } from 'typebox';
import type { DomainContext } from '../../domain/context.ts';
import { getUsage, MAX_RANGE_DAYS, USAGE_GROUPINGS } from '../../domain/usage.ts';
import type { App } from '../app.ts';
import { principalOf } from '../authentication.ts';

const Usd = (description: string, example: string) => Type.String({ description: `${description}, decimal US dollars (negative with a leading -)`, examples: [example] });

const Instant = (description: string) =>
  Type.Optional(Type.String({ maxLength: 64, description: `${description}: an RFC 3339 timestamp with Z or an offset, or a date (midnight UTC)`, examples: ['2031-03-01T00:00:00Z'] }));

const UsageFigures = {
  items: Type.Object(
    { total: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer() },
    { description: 'Items that finished in the range: succeeded and failed (cancelled and expired items used nothing and are not counted)' },
  ),
  input_tokens: Type.Integer({ description: 'Input tokens as the provider reported them' }),
  output_tokens: Type.Integer({ description: 'Output tokens as the provider reported them' }),
  cost: Type.Object(
    {
      provider_cost: Usd("What the succeeded items cost on their lanes (failed items cost nothing)", '0.004218'),
      platform_fee: Usd(
        "BatchRouter's fee: charged per batch when it settles, shared out over the batch's items in proportion to their cost, in whole micro-dollars that sum to the batch's fee",
        '0.000211',
      ),
      total: Usd('provider_cost + platform_fee: what was charged for these items', '0.004429'),
    },
  ),
  baseline: Usd("The same tokens on each item's preferred model at its provider's sync list price, as the quote's baseline", '0.016872'),
  savings: Type.Object({
    amount: Usd('baseline − total', '0.012443'),
    percent: Type.Number({ description: 'amount as a percentage of baseline, to one decimal', examples: [73.7] }),
  }),
};

const UsageReport = Type.Object({
  object: Type.Literal('usage'),
  from: Type.String({ description: 'Start of the range, included' }),
  to: Type.String({ description: 'End of the range, excluded' }),
  group_by: Type.Enum(USAGE_GROUPINGS),
  currency: Type.Literal('usd'),
  final: Type.Boolean({ description: "False while some counted items belong to batches still running: those items' platform fee is provisional until their batch settles" }),
  data: Type.Array(
    Type.Object({
      key: Type.String({ description: 'The group: a UTC day (YYYY-MM-DD), a model id, a provider id or a lane id', examples: ['2031-03-10'] }),
      ...UsageFigures,
    }),
    { description: 'One entry per group, in key order; by day, every UTC day the range touches, including days with nothing' },
  ),
  totals: Type.Object(UsageFigures, { description: 'The sums of the groups' }),
});

export function registerUsageRoutes(app: App, ctx: DomainContext): void {
  app.get(
    '/v1/usage',
    {
      config: { scope: 'usage:read' },
      schema: {
        tags: ['reports'],
        summary: "Your org's items, tokens, cost and savings over a time range, by UTC day, model, provider or lane",
        description:
          `Counts the items that finished (succeeded or failed) in [from, to), from the rows billing uses. Default range: the last 30 days up to now; at most ${MAX_RANGE_DAYS} days. ` +
          "For batches wholly inside the range, totals.cost.total equals what the credit ledger captured for them. Savings are measured against each item's preferred model at its provider's sync list price when the batch was submitted, for the tokens it actually used.",
        security: [{ bearer: [] }],
        querystring: Type.Object(
          {
            from: Instant('Start of the range, included (default: 30 days before to)'),
            to: Instant('End of the range, excluded (default: now)'),
            group_by: Type.Optional(Type.Enum(USAGE_GROUPINGS, { default: 'day', description: 'How to group: day (UTC), model (the one that ran the item), provider or lane' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: UsageReport },
      },
    },
    async (request) => getUsage(ctx, principalOf(request), request.query),
  );
}
