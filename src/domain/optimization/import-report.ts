/**
 * The optimization report of a workload that ran on OpenAI Batch: each succeeded line re-priced
 * item by item through the catalog, as OpenAI charged it (the model's list price less OpenAI's 50%
 * batch discount) and as BatchRouter would have (the lane routing picks for the whole workload
 * submitted as one batch, standard / sla_aware unless asked otherwise, plus the platform fee).
 *
 * A line's model is matched to the catalog by its id, or by its id without OpenAI's snapshot date
 * (`gpt-5.4-mini-2026-01-15` → `gpt-5.4-mini`). A model the catalog does not list as an OpenAI
 * model, an endpoint BatchRouter does not run, or a model no enabled lane runs leaves the line not
 * priced, with its reason: never guessed. Failed lines (and requests with no answer) were charged
 * by neither.
 */
import { formatUsd } from '../../money.ts';
import { findFile } from '../../db/queries/files.ts';
import { joinedImportLines, latestImportFile, type JoinedImportLine } from '../../db/queries/import-lines.ts';
import type { Catalog, CatalogLane, CatalogModel, Operation } from '../catalog.ts';
import { discountedMicros } from '../catalog-lanes.ts';
import type { Principal } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { RoutingMode, SlaTier } from '../manifest.ts';
import { platformFee, tokenCost, type TokenPrices } from '../pricing.ts';
import type { RoutingContext } from '../quotes.ts';
import type { LaneChoice } from '../routing.ts';
import { presentImportRecommendations, type PricedItem } from './import-recommendations.ts';
import { OPERATION_OF_ENDPOINT } from './openai-batch-lines.ts';
import { makeRerouter, type Rerouter, type RouteSettings } from './repricing.ts';

/** OpenAI Batch costs half the sync price. */
export const OPENAI_BATCH_DISCOUNT_BPS = 5000;
export const DEFAULT_ITEMS_LIMIT = 100;
export const MAX_ITEMS_LIMIT = 1000;

export const NOT_PRICED_REASONS = ['model_not_in_catalog', 'not_an_openai_model', 'endpoint_not_supported', 'operation_not_supported', 'no_lane'] as const;
export type NotPricedReason = (typeof NOT_PRICED_REASONS)[number];

export interface ImportReportQuery {
  import_file_id?: string | undefined;
  import_input_file_id?: string | undefined;
  sla_tier?: SlaTier | undefined;
  routing_mode?: RoutingMode | undefined;
  items_limit?: number | undefined;
  items_cursor?: string | undefined;
}

/** One line of the workload as the report prices it. */
interface ImportItem {
  line: JoinedImportLine;
  status: 'succeeded' | 'failed' | 'missing';
  /** The catalog model, or the name the line gives. */
  modelName: string | null;
  endpoint: string | null;
  model: CatalogModel | null;
  operation: Operation | null;
  notPriced: NotPricedReason | null;
  inputTokens: number;
  outputTokens: number;
  openaiCost: number;
  choice: LaneChoice | null;
  laneCost: number;
  feeShare: number;
}

const SNAPSHOT_DATE = /-\d{4}-\d{2}-\d{2}$/;
const percentOf = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

/** The catalog model a line's model name denotes: the same id, or the id without a snapshot date. */
export function catalogModelOf(catalog: Catalog, name: string): CatalogModel | null {
  return catalog.models.find((model) => model.id === name) ?? catalog.models.find((model) => model.id === name.replace(SNAPSHOT_DATE, '')) ?? null;
}

/** What OpenAI Batch charges for a model: its list price less the batch discount. */
export function openaiBatchPrices(model: CatalogModel): TokenPrices {
  return {
    inputMicrosPerMillion: discountedMicros(model.input_micros_per_million, OPENAI_BATCH_DISCOUNT_BPS),
    outputMicrosPerMillion: discountedMicros(model.output_micros_per_million, OPENAI_BATCH_DISCOUNT_BPS),
  };
}

function invalid(path: string, message: string): ApiError {
  return new ApiError('invalid_request', 'The report query is not valid: see details.', { details: [{ path, message }] });
}

/** An import file of the org in `format`, or the error that says why the id cannot be used. */
async function importFile(ctx: RoutingContext, principal: Principal, fileId: string, format: 'openai_batch_output' | 'openai_batch_input', path: string) {
  const file = await findFile(ctx.db, principal.orgId, fileId);
  if (!file || file.status !== 'ready') throw new ApiError('import_file_not_found', `No import file ${fileId} exists in your org.`);
  if (file.purpose !== 'import') throw invalid(path, `${fileId} is a batch manifest file, not an import: upload OpenAI Batch files with POST /v1/files?purpose=import`);
  if (file.import_format !== format) {
    throw invalid(path, format === 'openai_batch_output' ? `${fileId} is an OpenAI Batch input file: name it import_input_file_id, and the output file import_file_id` : `${fileId} is an OpenAI Batch output file: name it import_file_id`);
  }
  return file;
}

/** Classifies each line: its model and operation, and why it cannot be priced. */
function classify(catalog: Catalog, line: JoinedImportLine): ImportItem {
  const name = line.model ?? line.requested_model;
  const endpoint = line.endpoint ?? line.requested_endpoint;
  const model = name === null ? null : catalogModelOf(catalog, name);
  const operation = endpoint === null ? null : (OPERATION_OF_ENDPOINT[endpoint] ?? null);
  const status = line.source === 'input' ? 'missing' : line.status_code === 200 && line.error_code === null && line.input_tokens !== null ? 'succeeded' : 'failed';
  const kinds = new Map(catalog.providers.map((provider) => [provider.id, provider.kind]));
  let notPriced: NotPricedReason | null = null;
  if (status === 'succeeded') {
    if (model === null) notPriced = 'model_not_in_catalog';
    else if (kinds.get(model.provider) !== 'openai') notPriced = 'not_an_openai_model';
    else if (operation === null) notPriced = 'endpoint_not_supported';
    else if (!model.operations.includes(operation)) notPriced = 'operation_not_supported';
  }
  const inputTokens = line.input_tokens ?? 0;
  const outputTokens = line.output_tokens ?? 0;
  const openaiCost = status === 'succeeded' && notPriced === null && model ? tokenCost(openaiBatchPrices(model), inputTokens, outputTokens) : 0;
  return { line, status, modelName: model?.id ?? name, endpoint, model, operation, notPriced, inputTokens, outputTokens, openaiCost, choice: null, laneCost: 0, feeShare: 0 };
}

/**
 * Routes the priced items as one batch, prices them on their lanes, and shares the platform fee
 * over them in proportion to their cost, in item order, in whole micro-dollars adding up to the fee
 * (item k gets ⌊F·Cₖ/C⌋ − ⌊F·Cₖ₋₁/C⌋, as usage shares a batch's fee).
 */
function price(catalog: Catalog, rerouter: Rerouter, items: ImportItem[], settings: RouteSettings): { subtotal: number; fee: number } {
  const routable = new Map<CatalogModel, boolean>();
  const priced: ImportItem[] = [];
  for (const item of items) {
    if (item.status !== 'succeeded' || item.notPriced !== null || !item.model || !item.operation) continue;
    let ok = routable.get(item.model);
    if (ok === undefined) routable.set(item.model, (ok = 'lane' in rerouter.route(settings, { operation: item.operation, models: [item.model], inputTokens: item.inputTokens })));
    if (ok) priced.push(item);
    else item.notPriced = 'no_lane';
  }
  const choices = rerouter.routeTogether(settings, priced.map((item) => ({ operation: item.operation ?? 'responses', models: item.model ? [item.model] : [], inputTokens: item.inputTokens })));
  let subtotal = 0;
  priced.forEach((item, i) => {
    item.choice = choices[i] ?? null;
    item.laneCost = item.choice ? tokenCost(item.choice.prices, item.inputTokens, item.outputTokens) : 0;
    subtotal += item.laneCost;
  });
  const fee = platformFee(subtotal, catalog.platform_fee_bps);
  let through = 0n;
  for (const item of priced) {
    const before = through;
    through += BigInt(item.laneCost);
    item.feeShare = subtotal === 0 ? 0 : Number((BigInt(fee) * through) / BigInt(subtotal) - (BigInt(fee) * before) / BigInt(subtotal));
  }
  for (const item of items) if (item.status === 'succeeded' && item.notPriced !== null) item.openaiCost = 0;
  return { subtotal, fee };
}

interface Figures {
  items: number;
  priced: number;
  inputTokens: number;
  outputTokens: number;
  openai: number;
  batchrouter: number;
}

function figuresOf(items: readonly ImportItem[]): Figures {
  const priced = items.filter((item) => item.status === 'succeeded' && item.notPriced === null);
  return {
    items: items.filter((item) => item.status === 'succeeded').length,
    priced: priced.length,
    inputTokens: priced.reduce((sum, item) => sum + item.inputTokens, 0),
    outputTokens: priced.reduce((sum, item) => sum + item.outputTokens, 0),
    openai: priced.reduce((sum, item) => sum + item.openaiCost, 0),
    batchrouter: priced.reduce((sum, item) => sum + item.laneCost + item.feeShare, 0),
  };
}

function presentFigures(figures: Figures) {
  return {
    items: figures.items,
    priced: figures.priced,
    input_tokens: figures.inputTokens,
    output_tokens: figures.outputTokens,
    openai_cost: formatUsd(figures.openai),
    batchrouter_cost: formatUsd(figures.batchrouter),
    savings: { amount: formatUsd(figures.openai - figures.batchrouter), percent: percentOf(figures.openai - figures.batchrouter, figures.openai) },
  };
}

function groupBy<K extends string>(items: readonly ImportItem[], keyOf: (item: ImportItem) => K | null): Map<K, ImportItem[]> {
  const groups = new Map<K, ImportItem[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === null) continue;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return new Map([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function presentItem(item: ImportItem) {
  const priced = item.status === 'succeeded' && item.notPriced === null;
  const batchrouter = item.laneCost + item.feeShare;
  return {
    custom_id: item.line.custom_id,
    batch_id: item.line.batch_id === '' ? null : item.line.batch_id,
    model: item.modelName,
    endpoint: item.endpoint,
    status: item.status,
    error_code: item.line.error_code,
    input_tokens: item.status === 'succeeded' ? item.inputTokens : null,
    output_tokens: item.status === 'succeeded' ? item.outputTokens : null,
    openai_cost: priced ? formatUsd(item.openaiCost) : null,
    batchrouter_cost: priced ? formatUsd(batchrouter) : null,
    lane: priced ? (item.choice?.lane.id ?? null) : null,
    savings: priced ? formatUsd(item.openaiCost - batchrouter) : null,
    not_priced_reason: item.notPriced,
  };
}

/** The opaque cursor of the next page: the files it pages and where it stopped. */
function encodeCursor(fileId: string, position: number): string {
  return Buffer.from(JSON.stringify([fileId, position])).toString('base64url');
}

function decodeCursor(text: string, fileId: string): number {
  try {
    const [file, position] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
    if (file === fileId && typeof position === 'number' && Number.isSafeInteger(position) && position >= 0) return position;
  } catch {
    // the error below
  }
  throw invalid('query.items_cursor', 'use next_items_cursor from the previous page of the same import');
}

/** The report of the named OpenAI import (or the org's latest), with a page of its items. */
export async function importReport(ctx: RoutingContext, principal: Principal, query: ImportReportQuery) {
  const settings: RouteSettings = { slaTier: query.sla_tier ?? 'standard', routingMode: query.routing_mode ?? 'sla_aware', privacyTier: 'standard', regions: null };
  if (query.import_input_file_id !== undefined && query.import_file_id === undefined) throw invalid('query.import_input_file_id', 'needs import_file_id, the output file it belongs to');
  const outputId = query.import_file_id ?? (await latestImportFile(ctx.db, principal.orgId, 'openai_batch_output'))?.id ?? null;
  const head = {
    object: 'optimization_report' as const,
    source: 'openai_import' as const,
    import_provider: 'openai' as const,
    import_file_id: outputId,
    import_input_file_id: query.import_input_file_id ?? null,
    routed_as: { sla_tier: settings.slaTier, routing_mode: settings.routingMode },
    currency: 'usd' as const,
  };
  if (outputId !== null) await importFile(ctx, principal, outputId, 'openai_batch_output', 'query.import_file_id');
  if (query.import_input_file_id !== undefined) await importFile(ctx, principal, query.import_input_file_id, 'openai_batch_input', 'query.import_input_file_id');
  const start = query.items_cursor === undefined || outputId === null ? 0 : decodeCursor(query.items_cursor, outputId);
  const lines = outputId === null ? [] : await joinedImportLines(ctx.db, outputId, query.import_input_file_id ?? null);
  const items = lines.map((line) => classify(ctx.catalog, line));
  const rerouter = await makeRerouter(ctx);
  const { subtotal, fee } = price(ctx.catalog, rerouter, items, settings);
  const totals = figuresOf(items);
  const limit = query.items_limit ?? DEFAULT_ITEMS_LIMIT;
  const page = items.slice(start, start + limit);
  const { recommendations, totalEffectMicros } = presentImportRecommendations(ctx.catalog, rerouter, settings, items.filter(isPriced));
  return {
    ...head,
    notice:
      outputId === null
        ? 'No OpenAI import yet: upload an OpenAI Batch output file with POST /v1/files?purpose=import (and its input file, optionally), or store an OpenAI key and fetch with POST /v1/imports/openai; then name the file with import_file_id.'
        : null,
    totals: {
      items: {
        total: items.length,
        succeeded: totals.items,
        failed: items.filter((item) => item.status === 'failed').length,
        missing: items.filter((item) => item.status === 'missing').length,
        priced: totals.priced,
        not_priced: totals.items - totals.priced,
      },
      input_tokens: totals.inputTokens,
      output_tokens: totals.outputTokens,
      openai_cost: formatUsd(totals.openai),
      batchrouter_cost: { provider_cost: formatUsd(subtotal), platform_fee: formatUsd(fee), total: formatUsd(subtotal + fee) },
      savings: { amount: formatUsd(totals.openai - subtotal - fee), percent: percentOf(totals.openai - subtotal - fee, totals.openai) },
    },
    not_priced: [...groupBy(items, (item) => (item.status === 'succeeded' ? item.notPriced : null))].map(([reason, ofReason]) => ({
      reason,
      items: ofReason.length,
      models: [...new Set(ofReason.map((item) => item.modelName ?? 'unknown'))].sort(),
    })),
    by_model: [...groupBy(items, (item) => (item.status === 'succeeded' ? (item.modelName ?? 'unknown') : null))].map(([key, ofModel]) => ({ key, ...presentFigures(figuresOf(ofModel)) })),
    by_lane: [...groupBy(items.filter(isPriced), (item) => item.choice?.lane.id ?? null)].map(([key, ofLane]) => ({ key, mode: laneMode(ofLane), ...presentFigures(figuresOf(ofLane)) })),
    recommendations,
    potential_savings: { amount: formatUsd(totalEffectMicros), percent: percentOf(totalEffectMicros, subtotal + fee) },
    items: page.map(presentItem),
    next_items_cursor: outputId !== null && start + limit < items.length ? encodeCursor(outputId, start + limit) : null,
  };
}

function isPriced(item: ImportItem): item is ImportItem & PricedItem {
  return item.status === 'succeeded' && item.notPriced === null && item.model !== null && item.operation !== null && item.choice !== null;
}

function laneMode(items: readonly ImportItem[]): CatalogLane['mode'] | null {
  return items[0]?.choice?.lane.mode ?? null;
}
