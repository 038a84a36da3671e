/**
 * The `batchrouter` CLI:
 *   serve [--role all|api|worker]       start the server (the default command)
 *   migrate                             apply database migrations and exit
 *   credits grant --org ORG --amount USD --reason TEXT
 *   keys import-legacy --org ORG [--name NAME]   reads an ob_live_ key on stdin, sends only its hash
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, operatorBaseUrl, type Config, type ServerRole } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { DataDirectoryLockedError, lockDataDirectory } from '../db/data-dir-lock.ts';
import { migrate } from '../db/migrate.ts';
import { describeSecret, hashSecret, parseSecret } from '../domain/api-key-secrets.ts';
import { CatalogError } from '../domain/catalog-loader.ts';
import { databaseTargetOf, startServer } from '../server.ts';
import path from 'node:path';
import { callOperatorApi, OperatorCommandError } from './operator-client.ts';

const USAGE = `usage:
  batchrouter serve [--role all|api|worker]
  batchrouter migrate
  batchrouter credits grant --org ORG --amount USD --reason TEXT
  batchrouter keys import-legacy --org ORG [--name NAME] < key.txt`;

class UsageError extends Error {}

function option(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

async function serve(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { role: { type: 'string', default: 'all' } } });
  const role = values.role;
  if (role !== 'all' && role !== 'api' && role !== 'worker') throw new UsageError('--role must be all, api or worker');
  const server = await startServer(config, { role: role satisfies ServerRole });
  if (server.url !== '') console.log(`BatchRouter is running at ${server.url} (API reference: ${server.url}/docs)`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

async function runMigrations(config: Config): Promise<void> {
  const target = databaseTargetOf(config);
  const lock = target.kind === 'pglite' && target.directory !== null ? await lockDataDirectory(path.dirname(target.directory)) : null;
  try {
    const database = await openDatabase(target);
    try {
      const applied = await migrate(database);
      console.log(applied.length > 0 ? `applied migrations ${applied.join(', ')}` : 'the schema is up to date');
    } finally {
      await database.close();
    }
  } finally {
    await lock?.release();
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('paste the ob_live_ key, then press Enter and Ctrl-D\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function grantCredits(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { org: { type: 'string' }, amount: { type: 'string' }, reason: { type: 'string' } } });
  const org = option(values, 'org');
  const result = (await callOperatorApi(config, operatorBaseUrl(config), `/operator/v1/orgs/${encodeURIComponent(org)}/credits`, {
    amount: option(values, 'amount'),
    reason: option(values, 'reason'),
  })) as { ledger_entry_id: string; credit_balance: { amount: string } };
  console.log(`granted: ledger entry ${result.ledger_entry_id}; ${org} now has ${result.credit_balance.amount} USD`);
}

async function importLegacyKey(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { org: { type: 'string' }, name: { type: 'string' } } });
  const org = option(values, 'org');
  const secret = await readStdin();
  const parsed = parseSecret(secret);
  if (typeof parsed === 'string' || !parsed.legacy) throw new UsageError('stdin must hold one legacy key: ob_live_ followed by 16 to 128 letters, digits, - or _');
  const { prefix, display } = describeSecret(secret);
  const result = (await callOperatorApi(config, operatorBaseUrl(config), `/operator/v1/orgs/${encodeURIComponent(org)}/legacy-keys`, {
    secret_sha256: hashSecret(secret),
    prefix,
    display,
    ...(typeof values.name === 'string' ? { name: values.name } : {}),
  })) as { api_key_id: string; display: string };
  console.log(`imported ${result.display} as ${result.api_key_id}`);
}

async function main(argv: string[]): Promise<void> {
  const config = loadConfig();
  const [command = 'serve', sub, ...rest] = argv;
  if (command === 'serve') return serve(config, sub === undefined ? [] : [sub, ...rest]);
  if (command === 'migrate') return runMigrations(config);
  if (command === 'credits' && sub === 'grant') return grantCredits(config, rest);
  if (command === 'keys' && sub === 'import-legacy') return importLegacyKey(config, rest);
  if (command === 'help' || command === '--help') {
    console.log(USAGE);
    return;
  }
  throw new UsageError(`unknown command: ${argv.join(' ')}`);
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof ConfigError || error instanceof CatalogError || error instanceof DataDirectoryLockedError || error instanceof OperatorCommandError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
