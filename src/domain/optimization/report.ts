/**
 * GET /v1/batches/optimization-report: the native report of the org's batches over a range, or,
 * with `import_provider=openai`, the report of a workload imported from OpenAI. Each takes its
 * own parameters; one meant for the other is refused, never silently ignored.
 */
import type { Principal } from '../context.ts';
import { ApiError, type ErrorDetail } from '../errors.ts';
import type { RoutingContext } from '../quotes.ts';
import { importReport, type ImportReportQuery } from './import-report.ts';
import { nativeReport, type NativeReportQuery } from './native-report.ts';

export interface OptimizationReportQuery extends NativeReportQuery, ImportReportQuery {
  import_provider?: 'openai' | undefined;
}

const IMPORT_ONLY = ['import_file_id', 'import_input_file_id', 'sla_tier', 'routing_mode', 'items_limit', 'items_cursor'] as const;
const NATIVE_ONLY = ['from', 'to'] as const;

/** The report the query asks for, or one 400 naming every parameter that does not belong to it. */
export async function getOptimizationReport(ctx: RoutingContext, principal: Principal, query: OptimizationReportQuery) {
  const problems: ErrorDetail[] = [];
  if (query.import_provider === undefined) {
    for (const name of IMPORT_ONLY) if (query[name] !== undefined) problems.push({ path: `query.${name}`, message: 'applies to an imported workload: add import_provider=openai' });
  } else {
    for (const name of NATIVE_ONLY) if (query[name] !== undefined) problems.push({ path: `query.${name}`, message: 'applies to the report of your BatchRouter batches: an import covers the files it names' });
  }
  if (problems.length > 0) throw new ApiError('invalid_request', 'The report query is not valid: see details.', { details: problems });
  return query.import_provider === undefined ? nativeReport(ctx, principal, query) : importReport(ctx, principal, query);
}
