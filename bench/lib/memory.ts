/**
 * Resident memory (RSS) of another process, read from /proc/<pid>/status (VmRSS) or, where there
 * is no /proc, from `ps`. A sampler reads it on a timer while a benchmark runs, so the figure is
 * the peak the process reached, not the value at the end.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const MIB = 1024 * 1024;

/** How often a sampler reads RSS unless told otherwise. */
const SAMPLE_INTERVAL_MS = 20;

/** The RSS of `pid` in bytes, or null once the process has gone. */
export function rssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    return kib === undefined ? null : Number(kib) * 1024;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || process.platform === 'linux') return null;
  }
  try {
    const kib = execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return kib === '' ? null : Number(kib) * 1024;
  } catch {
    return null;
  }
}

export interface RssSummary {
  /** RSS when sampling started. */
  beforeBytes: number;
  /** The highest RSS seen while sampling (the start and end included). */
  peakBytes: number;
  /** RSS when sampling stopped. */
  afterBytes: number;
  samples: number;
}

export interface RssSampler {
  /** Stops sampling and returns what it saw. */
  stop(): RssSummary;
}

/**
 * Starts reading the RSS of `pid` every `intervalMs`.
 * @example
 * const sampler = sampleRss(server.pid);
 * await doTheWork();
 * const { beforeBytes, peakBytes } = sampler.stop();
 */
export function sampleRss(pid: number, intervalMs = SAMPLE_INTERVAL_MS): RssSampler {
  const before = rssBytes(pid);
  if (before === null) throw new Error(`cannot read the memory of process ${pid}`);
  let peak = before;
  let samples = 1;
  const read = (): number | null => {
    const value = rssBytes(pid);
    if (value !== null) {
      peak = Math.max(peak, value);
      samples++;
    }
    return value;
  };
  const timer = setInterval(read, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      const after = read() ?? peak;
      return { beforeBytes: before, peakBytes: peak, afterBytes: after, samples };
    },
  };
}

/** Bytes as mebibytes with one decimal. */
export function mib(bytes: number): number {
  return Math.round((bytes / MIB) * 10) / 10;
}
