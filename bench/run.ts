/**
 * `npm run bench -- <name>` runs the benchmark in bench/<name>.ts by calling its exported `run()`.
 * Every .ts file directly in bench/ except this one is a benchmark; shared helpers live in bench/lib/.
 */
import { readdir } from 'node:fs/promises';

interface Benchmark {
  run(): Promise<void>;
}

async function benchmarkNames(): Promise<string[]> {
  const entries = await readdir(import.meta.dirname, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && entry.name !== 'run.ts')
    .map((entry) => entry.name.slice(0, -'.ts'.length))
    .sort();
}

function isBenchmark(module: unknown): module is Benchmark {
  return typeof module === 'object' && module !== null && 'run' in module && typeof module.run === 'function';
}

const [name, ...extra] = process.argv.slice(2);
const names = await benchmarkNames();
// Only names of files that exist reach import(): the argument never becomes an arbitrary path.
if (name === undefined || extra.length > 0 || !names.includes(name)) {
  if (name !== undefined && !names.includes(name)) console.error(`unknown benchmark: ${name}`);
  console.error(`usage: npm run bench -- <name>\navailable benchmarks: ${names.join(', ')}`);
  process.exit(2);
}
const benchmark: unknown = await import(`./${name}.ts`);
if (!isBenchmark(benchmark)) throw new Error(`bench/${name}.ts does not export a run() function`);
await benchmark.run();
