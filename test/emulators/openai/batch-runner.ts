/**
 * The batch timeline: validating → in_progress (lines run one at a time, spread over
 * `timeline.inProgressMs`) → finalizing → completed; or failed (bad input), cancelling →
 * cancelled, expired. Output and error files are written when a batch ends, with lines in
 * running order, which is a fixed shuffle of the input (callers must join by `custom_id`).
 *
 * Lines not run when a batch ends go to the error file with `response: null` and
 * `error.code` "batch_expired" (message from OpenAI's batch guide) or "batch_cancelled" (a
 * documented code; the message is ours). They are not counted in `request_counts.failed`,
 * which counts only requests that ran and failed.
 */
import { parseBatchInput, type BatchError, type BatchInputLimits, type BatchLine } from './batch-input.ts';
import type { BatchRecord } from './batch-record.ts';
import { isErrorResult, type EndpointResult } from './endpoint.ts';
import { errorReply } from './errors.ts';
import type { BatchHooks, FaultState } from './faults.ts';
import { BATCH_FILE_LIFETIME_SECONDS, type FileStore } from './files.ts';
import { stableHash, type IdMaker } from './ids.ts';
import type { ModelRunner } from './sync.ts';

const EXPIRED_MESSAGE = 'This request could not be executed before the completion window expired.';
const CANCELLED_MESSAGE = 'This request was not executed because the batch was cancelled.';

export interface BatchRunner extends BatchHooks {
  start(batch: BatchRecord): void;
  cancel(batch: BatchRecord): void;
  close(): void;
}

export interface BatchRunnerDeps {
  batches: ReadonlyMap<string, BatchRecord>;
  state: FaultState;
  files: FileStore;
  model: ModelRunner;
  ids: IdMaker;
  nowSeconds: () => number;
  limits: BatchInputLimits;
}

export function makeBatchRunner(deps: BatchRunnerDeps): BatchRunner {
  const { state, files, ids, nowSeconds } = deps;
  const stepTimers = new Map<string, NodeJS.Timeout>();
  const windowTimers = new Map<string, NodeJS.Timeout>();
  let stalled = false;

  function schedule(batch: BatchRecord, ms: number, step: (batch: BatchRecord) => void): void {
    clearTimeout(stepTimers.get(batch.id));
    stepTimers.set(
      batch.id,
      setTimeout(() => {
        stepTimers.delete(batch.id);
        step(batch);
      }, Math.max(0, ms)),
    );
  }

  function stopTimers(batch: BatchRecord): void {
    clearTimeout(stepTimers.get(batch.id));
    stepTimers.delete(batch.id);
    clearTimeout(windowTimers.get(batch.id));
    windowTimers.delete(batch.id);
  }

  function fail(batch: BatchRecord, errors: BatchError[]): void {
    stopTimers(batch);
    batch.errors = errors;
    batch.status = 'failed';
    batch.times.failed_at = nowSeconds();
  }

  function validate(batch: BatchRecord): void {
    const file = files.get(batch.inputFileId);
    if (!file) {
      const message = `Cannot find file ${batch.inputFileId}, or organization org-emulator does not have access to it.`;
      return fail(batch, [{ code: 'invalid_request', line: null, message, param: 'file_id' }]);
    }
    if (file.purpose !== 'batch') {
      const message = `File ${file.id} was uploaded with purpose '${file.purpose}'; batch input files need purpose 'batch'.`;
      return fail(batch, [{ code: 'invalid_request', line: null, message, param: 'input_file_id' }]);
    }
    const input = parseBatchInput(file.bytes.toString('utf8'), batch.endpoint, deps.limits);
    if (!input.ok) return fail(batch, input.errors);
    batch.status = 'in_progress';
    batch.times.in_progress_at = nowSeconds();
    batch.model = input.model;
    batch.counts.total = input.lines.length;
    batch.pending = runningOrder(input.lines);
    runNextLater(batch);
  }

  function runNextLater(batch: BatchRecord): void {
    if (stalled) return;
    if (batch.pending.length === 0) {
      batch.status = 'finalizing';
      batch.times.finalizing_at = nowSeconds();
      return schedule(batch, state.timeline.finalizingMs, complete);
    }
    schedule(batch, state.timeline.inProgressMs / Math.max(1, batch.counts.total), runLine);
  }

  function runLine(batch: BatchRecord): void {
    if (batch.status !== 'in_progress' || stalled) return;
    const line = batch.pending.shift();
    if (line) record(batch, line, runSafely(batch, line));
    runNextLater(batch);
  }

  function runSafely(batch: BatchRecord, line: BatchLine): EndpointResult {
    try {
      return deps.model.run(batch.endpoint, line.body, line.customId);
    } catch (error) {
      // A throwing failItems rule (or an emulator bug) shows in the error file instead of killing the test process.
      return errorReply(500, `OpenAI emulator: ${String(error)}`, { type: 'emulator_error' });
    }
  }

  function record(batch: BatchRecord, line: BatchLine, result: EndpointResult): void {
    const entry = JSON.stringify({
      id: ids.next('batchRequest'),
      custom_id: line.customId,
      response: { status_code: result.status, request_id: ids.next('request'), body: result.body },
      error: null,
    });
    if (isErrorResult(result)) {
      batch.errorLines.push(entry);
      batch.counts.failed += 1;
      return;
    }
    batch.outputLines.push(entry);
    batch.counts.completed += 1;
    batch.usage.input += result.usage.input;
    batch.usage.output += result.usage.output;
  }

  /** Writes the unrun lines as `code` errors, then the output and error files. */
  function writeFiles(batch: BatchRecord, unrunCode: string | null, unrunMessage: string): void {
    if (unrunCode !== null) {
      for (const line of batch.pending.splice(0)) {
        batch.errorLines.push(
          JSON.stringify({ id: ids.next('batchRequest'), custom_id: line.customId, response: null, error: { code: unrunCode, message: unrunMessage } }),
        );
      }
    }
    batch.outputFileId = writeFile(batch, 'output', batch.outputLines);
    batch.errorFileId = writeFile(batch, 'error', batch.errorLines);
  }

  function writeFile(batch: BatchRecord, kind: 'output' | 'error', lines: readonly string[]): string | null {
    if (lines.length === 0) return null;
    const createdAt = nowSeconds();
    const bytes = Buffer.from(lines.map((line) => `${line}\n`).join(''));
    return files.add({ bytes, filename: `${batch.id}_${kind}.jsonl`, purpose: 'batch_output', createdAt, expiresAt: createdAt + BATCH_FILE_LIFETIME_SECONDS }).id;
  }

  function complete(batch: BatchRecord): void {
    stopTimers(batch);
    writeFiles(batch, null, '');
    batch.status = 'completed';
    batch.times.completed_at = nowSeconds();
  }

  function finishCancelling(batch: BatchRecord): void {
    stopTimers(batch);
    writeFiles(batch, 'batch_cancelled', CANCELLED_MESSAGE);
    batch.status = 'cancelled';
    batch.times.cancelled_at = nowSeconds();
  }

  function expireNow(batch: BatchRecord): void {
    stopTimers(batch);
    writeFiles(batch, 'batch_expired', EXPIRED_MESSAGE);
    batch.status = 'expired';
    batch.times.expired_at = nowSeconds();
  }

  return {
    start(batch) {
      schedule(batch, state.timeline.validatingMs, validate);
      const windowTimer = setTimeout(() => {
        if (batch.status === 'validating' || batch.status === 'in_progress') expireNow(batch);
      }, state.timeline.completionWindowMs);
      windowTimers.set(batch.id, windowTimer);
    },
    cancel(batch) {
      batch.status = 'cancelling';
      batch.times.cancelling_at = nowSeconds();
      schedule(batch, state.timeline.cancellingMs, finishCancelling);
    },
    setStalled(on) {
      stalled = on;
      if (on) return;
      for (const batch of deps.batches.values()) {
        if (batch.status === 'in_progress' && !stepTimers.has(batch.id)) runNextLater(batch);
      }
    },
    expire(id) {
      const batch = deps.batches.get(id);
      if (!batch) throw new Error(`expireBatch: no batch ${id}`);
      if (batch.status !== 'validating' && batch.status !== 'in_progress') {
        throw new Error(`expireBatch: batch ${id} is ${batch.status}; only validating or in_progress batches can expire`);
      }
      expireNow(batch);
    },
    close() {
      for (const timer of [...stepTimers.values(), ...windowTimers.values()]) clearTimeout(timer);
      stepTimers.clear();
      windowTimers.clear();
    },
  };
}

/** A fixed shuffle (by a hash of each custom_id) that is never the input order itself. */
function runningOrder(lines: readonly BatchLine[]): BatchLine[] {
  const keyed = lines.map((line) => ({ line, key: stableHash(line.customId) }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  const order = keyed.map((entry) => entry.line);
  const unchanged = order.every((line, index) => line === lines[index]);
  return unchanged && order.length > 1 ? [...order.slice(1), ...order.slice(0, 1)] : order;
}
