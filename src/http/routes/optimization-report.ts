/**
 * GET /v1/batches/optimization-report (what the org's batches cost against the baseline, and what
 * would have cost less; or an OpenAI workload re-priced on BatchRouter) and POST /v1/imports/openai
 * (fetch the org's OpenAI batches with its stored key, as import files the report names).
 */
import OpenAI from 'openai';
import { Type, type TSchema } from 'typebox';
import type { Config } from '../../config.ts';
import type { BatchContext } from '../../domain/batches.ts';
import { SLA_TIERS, ROUTING_MODES } from '../../domain/manifest.ts';
import { FETCH_BUDGET_MS, importFromOpenAI, MAX_IMPORT_BATCHES, type OpenAIImportContext } from '../../domain/optimization/fetch-openai.ts';
import { MAX_IMPORT_LINES } from '../../domain/optimization/import-files.ts';
import { DEFAULT_ITEMS_LIMIT, MAX_ITEMS_LIMIT, NOT_PRICED_REASONS } from '../../domain/optimization/import-report.ts';
import { RECOMMENDATION_IDS } from '../../domain/optimization/recommendations.ts';
import { getOptimizationReport } from '../../domain/optimization/report.ts';
import { MAX_RANGE_DAYS } from '../../domain/usage.ts';
import { providerAccess } from '../../lanes/credentials.ts';
import type { App } from '../app.ts';
import { originOf, principalOf } from '../authentication.ts';
import { Id } from '../schemas.ts';

/** Per call to OpenAI; the whole fetch has FETCH_BUDGET_MS. */
const OPENAI_CALL_TIMEOUT_MS = 60_000;

const Usd = (description: string) => Type.String({ description: `${description}, decimal US dollars (negative with a leading -)`, examples: ['0.012443'] });
const Percent = (description: string) => Type.Number({ description: `${description}, a percentage to one decimal`, examples: [48.7] });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Savings = (of: string) => Type.Object({ amount: Usd(of), percent: Percent('amount as a share of what it is saved on') });
const Enum = <T extends string>(values: readonly T[], description: string) => Type.Enum(values, { description });

const UsageFigures = {
  items: Type.Object({ total: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer() }),
  input_tokens: Type.Integer(),
  output_tokens: Type.Integer(),
  cost: Type.Object({ provider_cost: Usd('What the succeeded items cost on their lanes'), platform_fee: Usd('Their share of the platform fee'), total: Usd('What was charged') }),
  baseline: Usd("The same tokens on each item's preferred model at its provider's sync list price, as stored with the item"),
  savings: Savings('baseline − total'),
};
const Breakdown = (description: string, extra: Record<string, TSchema> = {}) =>
  Type.Array(Type.Object({ key: Type.String(), ...extra, ...UsageFigures }), { description });

const Recommendation = Type.Object({
  id: Enum(RECOMMENDATION_IDS, 'The rule: priority_to_standard, fastest_to_sla_aware or cheaper_equivalent'),
  title: Type.String(),
  effect: Type.Object({ amount: Usd('cost − alternative_cost: what the change would have saved'), percent: Percent('amount as a share of cost') }),
  cost: Usd('What the items concerned cost (platform fee included), or, when measured after another recommendation, what they would cost after it'),
  alternative_cost: Usd('The same tokens re-priced on the lane routing picks with the change, platform fee included'),
  items: Type.Object({
    count: Type.Integer(),
    examples: Type.Array(
      Type.Object({
        batch_id: Type.Optional(Nullable(Type.String())),
        customer_item_id: Type.Optional(Type.String()),
        custom_id: Type.Optional(Type.String()),
      }),
      { description: 'A few of the items: batch_id and customer_item_id (native), custom_id and batch_id (imports)' },
    ),
  }),
  changes: Type.Array(
    Type.Object({
      model: Type.String(),
      lane: Type.String(),
      alternative_model: Type.String(),
      alternative_lane: Type.String(),
      items: Type.Integer(),
      cost: Usd('What these items cost'),
      alternative_cost: Usd('What they would cost'),
      effect: Usd('The difference'),
    }),
    { description: 'The effect by (model, lane) → (model, lane), largest first' },
  ),
  measured_after: Type.Array(Type.Object({ recommendation: Type.String(), items: Type.Integer() }), {
    description: 'Items also concerned by another recommendation: this effect is measured after that one, so effects add up',
  }),
  explanation: Type.String(),
});

const Recommendations = {
  recommendations: Type.Array(Recommendation, { description: 'Largest effect first; effects never count an item twice, so they add up' }),
  potential_savings: Savings('The sum of the recommendations’ effects'),
};

const NativeReport = Type.Object({
  object: Type.Literal('optimization_report'),
  source: Type.Literal('batchrouter'),
  from: Type.String({ description: 'Start of the range, included' }),
  to: Type.String({ description: 'End of the range, excluded' }),
  currency: Type.Literal('usd'),
  final: Type.Boolean({ description: 'False while some counted items belong to batches still running (their fee share is provisional)' }),
  totals: Type.Object(UsageFigures, { description: 'Equal to GET /v1/usage totals for the same range' }),
  by_lane: Breakdown('By the lane that ran the items, in key order', { mode: Nullable(Enum(['batch', 'sync'], 'The lane’s mode (null: no longer in the catalog)')) }),
  by_model: Breakdown('By the model that ran the items, in key order'),
  by_sla_tier: Breakdown('By the SLA tier of the items’ batches: flex, standard, priority, each listed'),
  ...Recommendations,
});

const ImportFigures = {
  items: Type.Integer({ description: 'Succeeded lines' }),
  priced: Type.Integer({ description: 'Succeeded lines priced on both sides' }),
  input_tokens: Type.Integer({ description: 'Input tokens of the priced lines' }),
  output_tokens: Type.Integer({ description: 'Output tokens of the priced lines' }),
  openai_cost: Usd("What OpenAI Batch charged for the priced lines: the catalog's list price less OpenAI's 50% batch discount"),
  batchrouter_cost: Usd('What BatchRouter would have charged for them, platform fee included'),
  savings: Savings('openai_cost − batchrouter_cost'),
};

const ImportReport = Type.Object({
  object: Type.Literal('optimization_report'),
  source: Type.Literal('openai_import'),
  import_provider: Type.Literal('openai'),
  import_file_id: Nullable(Type.String({ description: 'The OpenAI Batch output file reported on (null: the org has none yet)' })),
  import_input_file_id: Nullable(Type.String()),
  routed_as: Type.Object({ sla_tier: Enum(SLA_TIERS, 'SLA tier'), routing_mode: Enum(ROUTING_MODES, 'Routing mode') }),
  currency: Type.Literal('usd'),
  notice: Nullable(Type.String({ description: 'What to do when there is nothing to report yet' })),
  totals: Type.Object({
    items: Type.Object({
      total: Type.Integer(),
      succeeded: Type.Integer(),
      failed: Type.Integer({ description: 'Lines that failed: charged by neither side' }),
      missing: Type.Integer({ description: 'Input lines with no answer in the output file' }),
      priced: Type.Integer(),
      not_priced: Type.Integer({ description: 'Succeeded lines that could not be priced (see not_priced)' }),
    }),
    input_tokens: Type.Integer(),
    output_tokens: Type.Integer(),
    openai_cost: ImportFigures.openai_cost,
    batchrouter_cost: Type.Object({ provider_cost: Usd('On the lanes routing picks'), platform_fee: Usd("BatchRouter's fee on it"), total: Usd('Both') }),
    savings: ImportFigures.savings,
  }),
  not_priced: Type.Array(Type.Object({ reason: Enum(NOT_PRICED_REASONS, 'Why'), items: Type.Integer(), models: Type.Array(Type.String()) })),
  by_model: Type.Array(Type.Object({ key: Type.String(), ...ImportFigures }), { description: 'By model (the catalog id when known), in key order' }),
  by_lane: Type.Array(Type.Object({ key: Type.String(), mode: Nullable(Enum(['batch', 'sync'], 'The lane’s mode')), ...ImportFigures }), { description: 'By the lane routing picks' }),
  ...Recommendations,
  items: Type.Array(
    Type.Object({
      custom_id: Type.String(),
      batch_id: Nullable(Type.String({ description: 'The OpenAI batch (fetched imports)' })),
      model: Nullable(Type.String()),
      endpoint: Nullable(Type.String()),
      status: Enum(['succeeded', 'failed', 'missing'], 'succeeded, failed, or missing (in the input file, with no answer)'),
      error_code: Nullable(Type.String()),
      input_tokens: Nullable(Type.Integer()),
      output_tokens: Nullable(Type.Integer()),
      openai_cost: Nullable(Usd('What OpenAI charged')),
      batchrouter_cost: Nullable(Usd('What BatchRouter would have charged, fee share included')),
      lane: Nullable(Type.String()),
      savings: Nullable(Usd('openai_cost − batchrouter_cost')),
      not_priced_reason: Nullable(Enum(NOT_PRICED_REASONS, 'Why a succeeded line is not priced')),
    }),
    { description: 'A page of the lines, in output file order, then the input lines with no answer' },
  ),
  next_items_cursor: Nullable(Type.String({ description: 'Pass as items_cursor for the next page' })),
});

const Instant = (description: string) => Type.Optional(Type.String({ maxLength: 64, description: `${description}: an RFC 3339 timestamp with Z or an offset, or a date (midnight UTC)` }));

const OpenAIImport = Type.Object({
  object: Type.Literal('openai_import'),
  output_file_id: Type.String({ description: 'Name it import_file_id in the report' }),
  input_file_id: Nullable(Type.String({ description: 'Name it import_input_file_id in the report' })),
  batches: Type.Array(
    Type.Object({ id: Type.String(), status: Type.String(), endpoint: Type.String(), created_at: Type.String(), output_lines: Type.Integer(), input_lines: Type.Integer() }),
  ),
  skipped: Type.Array(Type.Object({ id: Type.String(), status: Type.String(), reason: Type.String() }), { description: 'Named batches that could not be imported, and why' }),
  lines: Type.Object({ output: Type.Integer(), input: Type.Integer(), unreadable: Type.Integer({ description: 'Lines OpenAI sent that were not OpenAI Batch lines (left out)' }) }),
  report_url: Type.String(),
});

/** The official OpenAI client for an org's own key, at OPENAI_BASE_URL when configured. */
function openAIClientFactory(ctx: BatchContext, config: Pick<Config, 'providerEnvironment'>): (apiKey: string) => OpenAI {
  const provider = ctx.catalog.providers.find((candidate) => candidate.kind === 'openai') ?? { id: 'openai', name: 'OpenAI', kind: 'openai' as const, base_url: null };
  const baseURL = providerAccess(provider, config).baseURL;
  return (apiKey) => new OpenAI({ apiKey, ...(baseURL !== null ? { baseURL } : {}), maxRetries: 2, timeout: OPENAI_CALL_TIMEOUT_MS });
}

export function registerOptimizationReportRoutes(app: App, ctx: BatchContext, config: Pick<Config, 'providerEnvironment'>): void {
  const importContext: OpenAIImportContext = { ...ctx, box: ctx.webhooks.box, openaiClient: openAIClientFactory(ctx, config) };

  app.get(
    '/v1/batches/optimization-report',
    {
      config: { scope: 'usage:read' },
      schema: {
        tags: ['reports'],
        summary: 'What your batches cost against the baseline and what would have cost less; or an OpenAI workload re-priced on BatchRouter',
        description:
          `Without import_provider: the org's items that finished in [from, to) (the /v1/usage range rules: default the last 30 days, at most ${MAX_RANGE_DAYS} days), by lane, model and SLA tier, totals equal to /v1/usage's, and recommendations with their exact effect. ` +
          'With import_provider=openai: the lines of an OpenAI Batch output file (import_file_id, default the latest import; import_input_file_id optional) priced as OpenAI charged them and as BatchRouter would (routed as one batch, sla_tier standard and routing_mode sla_aware unless given), with a page of items.',
        security: [{ bearer: [] }],
        querystring: Type.Object(
          {
            from: Instant('Native report: start of the range, included (default: 30 days before to)'),
            to: Instant('Native report: end of the range, excluded (default: now)'),
            import_provider: Type.Optional(Enum(['openai'], 'Report on a workload imported from this provider')),
            import_file_id: Type.Optional(Id('The imported OpenAI Batch output file (file_…)')),
            import_input_file_id: Type.Optional(Id('The imported OpenAI Batch input file (file_…): gives failed lines their model')),
            sla_tier: Type.Optional(Enum(SLA_TIERS, 'Import: the SLA tier to route the workload as (default standard)')),
            routing_mode: Type.Optional(Enum(ROUTING_MODES, 'Import: the routing mode (default sla_aware)')),
            items_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ITEMS_LIMIT, description: `Import: items per page (default ${DEFAULT_ITEMS_LIMIT})` })),
            items_cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Import: next_items_cursor of the previous page' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Union([NativeReport, ImportReport]) },
      },
    },
    async (request) => getOptimizationReport(ctx, principalOf(request), request.query),
  );

  app.post(
    '/v1/imports/openai',
    {
      config: { scope: 'batches:write' },
      schema: {
        tags: ['reports'],
        summary: "Fetch your OpenAI batches' output and input files with your stored OpenAI key, for the optimization report",
        description:
          `Reads the named batches, or the most recent ones that ended (completed, expired or cancelled) since \`since\` (default 30 days), at most ${MAX_IMPORT_BATCHES} and ${MAX_IMPORT_LINES} lines, ` +
          `within ${FETCH_BUDGET_MS / 1000} s, through the official client (OPENAI_BASE_URL when configured). Only each line's custom id, status, model, endpoint and usage are kept. ` +
          'Name output_file_id (and input_file_id) in GET /v1/batches/optimization-report?import_provider=openai.',
        security: [{ bearer: [] }],
        body: Type.Object(
          {
            batch_ids: Type.Optional(Type.Array(Id('An OpenAI batch id (batch_…)'), { minItems: 1, maxItems: MAX_IMPORT_BATCHES, uniqueItems: true })),
            since: Instant('Without batch_ids: import batches created since then'),
            include_input_files: Type.Optional(Type.Boolean({ default: true, description: "Also fetch the batches' input files (models of failed lines)" })),
          },
          { additionalProperties: false },
        ),
        response: { 201: OpenAIImport },
      },
    },
    async (request, reply) => reply.status(201).send(await importFromOpenAI(importContext, principalOf(request), request.body, originOf(request))),
  );
}
