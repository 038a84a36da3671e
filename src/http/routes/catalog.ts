/** GET /v1/catalog/models and GET /v1/catalog/providers: what this instance can run, and at what price. Public. */
import { Type } from 'typebox';
import { OPERATIONS, REGIONS, type Catalog, type CatalogLane } from '../../domain/catalog.ts';
import { listModels, listProviders } from '../../domain/catalog-lanes.ts';
import { formatUsd } from '../../money.ts';
import type { App } from '../app.ts';

const Usd = (description: string, example: string) => Type.String({ description: `${description}, decimal US dollars`, examples: [example] });

const ModelLane = Type.Object({
  id: Type.String({ examples: ['sandbox-batch-us'] }),
  provider: Type.String({ description: 'The provider that runs the lane' }),
  mode: Type.Enum(['batch', 'sync']),
  region: Type.Enum(REGIONS),
  zero_data_retention: Type.Boolean(),
  self_hosted: Type.Boolean({ description: "Runs on the operator's own endpoints" }),
  input_per_million: Usd('Price per million input tokens on this lane, after its discount', '0.625'),
  output_per_million: Usd('Price per million output tokens on this lane, after its discount', '5.00'),
  expected_turnaround_seconds: Type.Integer({ description: 'Expected time from dispatch to results' }),
});

const Model = Type.Object({
  id: Type.String({ examples: ['gpt-5.4'] }),
  provider: Type.String({ description: 'The provider the model belongs to', examples: ['openai'] }),
  display_name: Type.String(),
  operations: Type.Array(Type.Enum(OPERATIONS)),
  pricing: Type.Object(
    {
      currency: Type.Literal('usd'),
      input_per_million: Usd('List price per million input tokens', '1.25'),
      output_per_million: Usd('List price per million output tokens', '10.00'),
    },
    { description: "The provider's synchronous list price, before any lane discount" },
  ),
  lanes: Type.Array(ModelLane, { description: 'The enabled lanes that run the model; empty when none is enabled' }),
});

const Provider = Type.Object({
  id: Type.String({ examples: ['openai'] }),
  name: Type.String(),
  kind: Type.String({ examples: ['openai'] }),
  enabled: Type.Boolean({ description: 'Whether work can be routed to the provider: it has at least one enabled lane' }),
  lanes: Type.Array(Type.String(), { description: "Ids of the provider's enabled lanes" }),
});

export function registerCatalogRoutes(app: App, catalog: Catalog, enabledLanes: readonly CatalogLane[]): void {
  app.get(
    '/v1/catalog/models',
    {
      schema: {
        tags: ['catalog'],
        summary: 'List the models, their list prices and the enabled lanes that run them',
        description: 'Public: no key needed. Lane prices include the lane discount (batch lanes usually halve the list price).',
        querystring: Type.Object(
          {
            operation: Type.Optional(Type.Enum(OPERATIONS, { description: 'Only models that support this operation' })),
            provider: Type.Optional(
              Type.Enum(
                catalog.providers.map((provider) => provider.id),
                { description: 'Only models of this provider (the sandbox simulates other providers\' models and owns none)' },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(Model) }) },
      },
    },
    async (request) => ({
      data: listModels(catalog, enabledLanes, request.query).map(({ model, lanes }) => ({
        id: model.id,
        provider: model.provider,
        display_name: model.display_name,
        operations: model.operations,
        pricing: {
          currency: 'usd' as const,
          input_per_million: formatUsd(model.input_micros_per_million),
          output_per_million: formatUsd(model.output_micros_per_million),
        },
        lanes: lanes.map(({ lane, price }) => ({
          id: lane.id,
          provider: lane.provider,
          mode: lane.mode,
          region: lane.region,
          zero_data_retention: lane.zero_data_retention,
          self_hosted: lane.self_hosted,
          input_per_million: formatUsd(price.input_micros_per_million),
          output_per_million: formatUsd(price.output_micros_per_million),
          expected_turnaround_seconds: lane.expected_turnaround_seconds,
        })),
      })),
    }),
  );

  app.get(
    '/v1/catalog/providers',
    {
      schema: {
        tags: ['catalog'],
        summary: 'List the providers and which of their lanes are enabled',
        description: 'Public: no key needed.',
        response: { 200: Type.Object({ data: Type.Array(Provider) }) },
      },
    },
    async () => ({
      data: listProviders(catalog, enabledLanes).map(({ provider, lanes }) => ({
        id: provider.id,
        name: provider.name,
        kind: provider.kind,
        enabled: lanes.length > 0,
        lanes,
      })),
    }),
  );
}
