#!/usr/bin/env node
// The `batchrouter` command. BatchRouter runs on Node.js 24, which the project installs itself (the
// `node` package). Started by an older node (a machine with Node 20 only), this re-runs the CLI on
// the project's own Node 24; on Node 24 or later it runs it directly.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);

if (major >= 24) {
  await import(cli);
} else {
  const ownNode = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  const child = spawn(ownNode, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
  child.on('error', (error) => {
    console.error(`batchrouter needs Node.js 24: run npm install first (${error.message})`);
    process.exit(1);
  });
}
