/**
 * The one place that reads `process.env`. Every setting is declared once below with its parser,
 * default and documentation; `loadConfig` fails fast with every bad value listed.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseUsd } from './money.ts';
import { normalizeAllowedHost } from './webhooks/address-policy.ts';

export type Environment = 'live' | 'test';
export type ServerRole = 'all' | 'api' | 'worker';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  /** PostgreSQL connection string; null means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | null;
  /** PostgreSQL schema for BatchRouter's tables (the job queue uses `<schema>_jobs`). */
  databaseSchema: string;
  dataDir: string;
  environment: Environment;
  /** The catalog file: providers, models, prices and lanes. */
  catalogFile: string;
  /** Whether the simulated sandbox lanes are enabled. */
  sandbox: boolean;
  /** The sandbox's simulated behaviour. */
  sandboxSeed: string;
  sandboxLatencyMedianMs: number;
  sandboxLatencyP99Ms: number;
  sandboxBatchSeconds: number;
  sandboxTransientFailureRate: number;
  sandboxPermanentFailureRate: number;
  /** Credits every new org starts with, micro-USD (test credits; 0 in production). */
  starterCreditsMicros: number;
  /** Operator token; null means "generate one into the data directory". */
  adminToken: string | null;
  /** Absolute base URL used in links (`docs_url`); null means "derive from the request". */
  publicUrl: string | null;
  logLevel: LogLevel;
  agentRegisterEnabled: boolean;
  /** Agent registrations allowed per client address per hour. */
  agentRegisterPerHour: number;
  bodyLimitBytes: number;
  /** Largest body of a quote or submit, whose manifest may hold 100,000 items. */
  batchBodyLimitBytes: number;
  /** Largest uploaded manifest file. */
  fileLimitBytes: number;
  /** Threads counting the tokens of large manifests (0: count in the request's thread). */
  tokenizerThreads: number;
  /**
   * Provider credentials and endpoints: every `<PROVIDER>_API_KEY` and `<PROVIDER>_BASE_URL`
   * variable, by name (OPENAI_API_KEY, ANTHROPIC_BASE_URL, TOGETHER_API_KEY…), for the catalog's
   * providers to pick theirs from. Never logged.
   */
  providerEnvironment: ReadonlyMap<string, string>;
  trustProxy: boolean;
  /**
   * Key material (32+ characters) encrypting stored secrets such as webhook signing secrets; null
   * means "read from (or generate into) the data directory". Every process of one instance must share it.
   */
  encryptionKey: string | null;
  /** Webhook hosts allowed although they resolve to private addresses (host names or IP literals, lower case). */
  webhookAllowedHosts: ReadonlySet<string>;
  /** A PEM file of extra certificate authorities webhook receivers may present; null: the public roots only. */
  webhookCaFile: string | null;
  /** First retry delay of a failed webhook delivery; later ones double, with jitter. */
  webhookRetryBaseSeconds: number;
  /** How long a failed webhook delivery keeps being retried. */
  webhookRetryWindowSeconds: number;
  /** smtp:// or smtps:// URL (with user:pass) of the mail server; null writes mail to `<dataDir>/outbox`. */
  smtpUrl: string | null;
  /** The From address of every email. */
  mailFrom: string;
  /** A dashboard session ends after this long without a request. */
  sessionIdleHours: number;
  /** A dashboard session ends this long after sign-in, however active. */
  sessionMaxDays: number;
  /** Failed sign-ins per account, and per client address, allowed in 15 minutes (429 beyond). */
  signinFailuresPerAccount: number;
  signinFailuresPerAddress: number;
  /** Dashboard sign-ups per client address per hour. */
  signupPerHour: number;
}

type Parser<T> = (raw: string) => T;

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  doc: string;
  parse: Parser<Config[K]>;
  fallback: Config[K];
}

class ConfigValueError extends Error {}

const integer = (min: number, max: number): Parser<number> => (raw) => {
  if (!/^\d+$/.test(raw)) throw new ConfigValueError(`must be a whole number from ${min} to ${max}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigValueError(`must be from ${min} to ${max}`);
  return value;
};

const oneOf = <T extends string>(...values: T[]): Parser<T> => (raw) => {
  const found = values.find((value) => value === raw);
  if (found === undefined) throw new ConfigValueError(`must be one of ${values.join(', ')}`);
  return found;
};

const boolean: Parser<boolean> = (raw) => {
  if (['true', '1', 'yes', 'on', 'enabled'].includes(raw)) return true;
  if (['false', '0', 'no', 'off', 'disabled'].includes(raw)) return false;
  throw new ConfigValueError('must be true or false');
};

const text: Parser<string> = (raw) => raw;

const rate: Parser<number> = (raw) => {
  if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(raw)) throw new ConfigValueError('must be a number from 0 to 1');
  return Number(raw);
};

const dollars: Parser<number> = (raw) => {
  const micros = parseUsd(raw);
  if (micros === null) throw new ConfigValueError('must be dollars such as 10 or 2.50');
  return micros;
};

const nullableUrl = (protocols: string[]): Parser<string | null> => (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigValueError('must be a URL');
  }
  if (!protocols.includes(url.protocol)) throw new ConfigValueError(`must start with ${protocols.join(' or ')}`);
  return raw.replace(/\/+$/, '');
};

const identifier: Parser<string> = (raw) => {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(raw)) throw new ConfigValueError('must be a lower-case SQL identifier');
  return raw;
};

const keyMaterial: Parser<string | null> = (raw) => {
  if (raw.length < 32) throw new ConfigValueError('must be at least 32 characters (for example 32 random bytes in base64)');
  return raw;
};

const hostList: Parser<ReadonlySet<string>> = (raw) => {
  const hosts = new Set<string>();
  for (const entry of raw.split(',').map((host) => host.trim()).filter((host) => host !== '')) {
    const host = normalizeAllowedHost(entry);
    if (host === null) throw new ConfigValueError(`has ${entry}, which is not a host name or IP address (without a port)`);
    hosts.add(host);
  }
  return hosts;
};

const smtpUrl: Parser<string | null> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigValueError('must be a URL such as smtp://user:password@mail.example.com:587');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ConfigValueError('must start with smtp:// or smtps://');
  if (url.hostname === '') throw new ConfigValueError('must name the mail server host');
  return raw;
};

const mailbox: Parser<string> = (raw) => {
  if (!/^[^\s@<>]+@[^\s@<>]+$|^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/.test(raw.trim())) {
    throw new ConfigValueError('must be an address such as batchrouter@example.com or "BatchRouter <batchrouter@example.com>"');
  }
  return raw.trim();
};

const adminToken: Parser<string | null> = (raw) => {
  if (raw.length < 24) throw new ConfigValueError('must be at least 24 characters');
  return raw;
};

function setting<K extends keyof Config>(s: Setting<K>): Setting<K> {
  return s;
}

/** The catalog shipped with BatchRouter, found from this file so the working directory does not matter. */
const SHIPPED_CATALOG = fileURLToPath(new URL('../catalog/catalog.json', import.meta.url));

/** Every setting, in the order the README documents them. */
export const SETTINGS = [
  setting({ key: 'port', env: 'PORT', doc: 'TCP port of the HTTP server', parse: integer(0, 65535), fallback: 8080 }),
  setting({ key: 'host', env: 'HOST', doc: 'address to listen on (0.0.0.0 for every interface)', parse: text, fallback: '127.0.0.1' }),
  setting({
    key: 'databaseUrl',
    env: 'DATABASE_URL',
    doc: 'postgres://… of a PostgreSQL server; unset runs the embedded PGlite database in BATCHROUTER_DATA_DIR',
    parse: nullableUrl(['postgres:', 'postgresql:']),
    fallback: null,
  }),
  setting({ key: 'databaseSchema', env: 'BATCHROUTER_DATABASE_SCHEMA', doc: 'PostgreSQL schema for the tables; the job queue uses <schema>_jobs', parse: identifier, fallback: 'batchrouter' }),
  setting({ key: 'dataDir', env: 'BATCHROUTER_DATA_DIR', doc: 'embedded database, lock file and generated admin token', parse: (raw) => path.resolve(raw), fallback: path.resolve('data') }),
  setting({ key: 'environment', env: 'BATCHROUTER_ENV', doc: 'live (br_live_ keys) or test (br_test_ keys)', parse: oneOf<Environment>('live', 'test'), fallback: 'live' }),
  setting({ key: 'catalogFile', env: 'BATCHROUTER_CATALOG_FILE', doc: 'the catalog file (providers, models, prices, lanes); unset uses the shipped catalog/catalog.json', parse: (raw) => path.resolve(raw), fallback: SHIPPED_CATALOG }),
  setting({ key: 'sandbox', env: 'BATCHROUTER_SANDBOX', doc: 'enable the simulated sandbox lanes (tests, demos); turn off in production', parse: boolean, fallback: true }),
  setting({ key: 'sandboxSeed', env: 'BATCHROUTER_SANDBOX_SEED', doc: 'seed of the sandbox\'s deterministic draws', parse: text, fallback: 'batchrouter' }),
  setting({ key: 'sandboxLatencyMedianMs', env: 'BATCHROUTER_SANDBOX_LATENCY_MS', doc: 'median latency of a sandbox sync call (0: none)', parse: integer(0, 600_000), fallback: 200 }),
  setting({ key: 'sandboxLatencyP99Ms', env: 'BATCHROUTER_SANDBOX_LATENCY_P99_MS', doc: '99th percentile of sandbox sync latency (at least the median)', parse: integer(0, 600_000), fallback: 1_000 }),
  setting({ key: 'sandboxBatchSeconds', env: 'BATCHROUTER_SANDBOX_BATCH_SECONDS', doc: 'time a sandbox batch job takes to complete', parse: integer(0, 172_800), fallback: 5 }),
  setting({ key: 'sandboxTransientFailureRate', env: 'BATCHROUTER_SANDBOX_TRANSIENT_FAILURE_RATE', doc: 'share of sandbox requests failing with a retryable error', parse: rate, fallback: 0 }),
  setting({ key: 'sandboxPermanentFailureRate', env: 'BATCHROUTER_SANDBOX_PERMANENT_FAILURE_RATE', doc: 'share of sandbox requests failing for good', parse: rate, fallback: 0 }),
  setting({ key: 'starterCreditsMicros', env: 'BATCHROUTER_STARTER_CREDITS_USD', doc: 'test credits every new org starts with; set 0 in production', parse: dollars, fallback: 10_000_000 }),
  setting({ key: 'adminToken', env: 'BATCHROUTER_ADMIN_TOKEN', doc: 'operator API token (24+ characters); unset generates one into BATCHROUTER_DATA_DIR/admin-token', parse: adminToken, fallback: null }),
  setting({ key: 'publicUrl', env: 'BATCHROUTER_PUBLIC_URL', doc: 'external base URL used in links; unset derives it from each request', parse: nullableUrl(['http:', 'https:']), fallback: null }),
  setting({ key: 'logLevel', env: 'BATCHROUTER_LOG_LEVEL', doc: 'pino log level', parse: oneOf<LogLevel>('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), fallback: 'info' }),
  setting({ key: 'agentRegisterEnabled', env: 'BATCHROUTER_AGENT_REGISTER', doc: 'whether POST /v1/auth/agent-register is open', parse: boolean, fallback: true }),
  setting({ key: 'agentRegisterPerHour', env: 'BATCHROUTER_AGENT_REGISTER_PER_HOUR', doc: 'agent registrations per client address per hour', parse: integer(1, 1_000_000), fallback: 20 }),
  setting({ key: 'bodyLimitBytes', env: 'BATCHROUTER_BODY_LIMIT_BYTES', doc: 'largest JSON request body', parse: integer(1024, 1024 * 1024 * 1024), fallback: 1024 * 1024 }),
  setting({ key: 'batchBodyLimitBytes', env: 'BATCHROUTER_BATCH_BODY_LIMIT_BYTES', doc: 'largest quote or submit body (manifests of up to 100,000 items)', parse: integer(1024, 4 * 1024 * 1024 * 1024), fallback: 256 * 1024 * 1024 }),
  setting({ key: 'fileLimitBytes', env: 'BATCHROUTER_FILE_LIMIT_BYTES', doc: 'largest JSONL manifest file (POST /v1/files)', parse: integer(1024, 64 * 1024 * 1024 * 1024), fallback: 2 * 1024 * 1024 * 1024 }),
  setting({
    key: 'tokenizerThreads',
    env: 'BATCHROUTER_TOKENIZER_THREADS',
    doc: 'threads counting the tokens of large manifests in API processes (0: in the request thread)',
    parse: integer(0, 64),
    fallback: Math.min(4, availableParallelism()),
  }),
  setting({ key: 'trustProxy', env: 'BATCHROUTER_TRUST_PROXY', doc: 'trust X-Forwarded-For for the client address (behind a load balancer)', parse: boolean, fallback: false }),
  setting({
    key: 'encryptionKey',
    env: 'BATCHROUTER_ENCRYPTION_KEY',
    doc: 'key (32+ characters) encrypting stored webhook secrets; every process of an instance needs the same one; unset generates one into BATCHROUTER_DATA_DIR/encryption-key',
    parse: keyMaterial,
    fallback: null,
  }),
  setting({
    key: 'webhookAllowedHosts',
    env: 'BATCHROUTER_WEBHOOK_ALLOWED_HOSTS',
    doc: 'comma-separated webhook hosts exempt from the private-address rule (e.g. an internal receiver); nothing else is',
    parse: hostList,
    fallback: new Set<string>(),
  }),
  setting({ key: 'webhookCaFile', env: 'BATCHROUTER_WEBHOOK_CA_FILE', doc: 'PEM file of extra certificate authorities trusted for webhook receivers', parse: (raw) => path.resolve(raw), fallback: null }),
  setting({ key: 'webhookRetryBaseSeconds', env: 'BATCHROUTER_WEBHOOK_RETRY_BASE_SECONDS', doc: 'first retry delay of a failed webhook delivery (later ones double, with jitter, up to 4 hours)', parse: integer(1, 3_600), fallback: 30 }),
  setting({ key: 'webhookRetryWindowSeconds', env: 'BATCHROUTER_WEBHOOK_RETRY_WINDOW_SECONDS', doc: 'how long a failed webhook delivery keeps being retried', parse: integer(1, 7 * 86_400), fallback: 86_400 }),
  setting({
    key: 'smtpUrl',
    env: 'BATCHROUTER_SMTP_URL',
    doc: 'smtp://user:password@host:port (smtps:// for TLS from the start) of the mail server; unset writes every email to BATCHROUTER_DATA_DIR/outbox and logs its link',
    parse: smtpUrl,
    fallback: null,
  }),
  setting({ key: 'mailFrom', env: 'BATCHROUTER_MAIL_FROM', doc: 'From address of every email', parse: mailbox, fallback: 'BatchRouter <batchrouter@localhost>' }),
  setting({ key: 'sessionIdleHours', env: 'BATCHROUTER_SESSION_IDLE_HOURS', doc: 'a dashboard session ends after this many hours without a request', parse: integer(1, 8_760), fallback: 24 }),
  setting({ key: 'sessionMaxDays', env: 'BATCHROUTER_SESSION_MAX_DAYS', doc: 'a dashboard session ends this many days after sign-in, however active', parse: integer(1, 365), fallback: 30 }),
  setting({ key: 'signinFailuresPerAccount', env: 'BATCHROUTER_SIGNIN_FAILURES_PER_ACCOUNT', doc: 'failed sign-ins (and wrong current passwords) per account in 15 minutes before 429', parse: integer(1, 1_000_000), fallback: 10 }),
  setting({ key: 'signinFailuresPerAddress', env: 'BATCHROUTER_SIGNIN_FAILURES_PER_ADDRESS', doc: 'failed sign-ins per client address in 15 minutes before 429', parse: integer(1, 1_000_000), fallback: 50 }),
  setting({ key: 'signupPerHour', env: 'BATCHROUTER_SIGNUP_PER_HOUR', doc: 'dashboard sign-ups per client address per hour', parse: integer(1, 1_000_000), fallback: 20 }),
] as const;

/** `<PROVIDER>_API_KEY` or `<PROVIDER>_BASE_URL`: a catalog provider's credentials or endpoint. */
const PROVIDER_VARIABLE = /^[A-Z][A-Z0-9_]*_(API_KEY|BASE_URL)$/;

/** Thrown with every invalid setting listed, so a bad deployment fails at once and says why. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment into a Config, or throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const entries = SETTINGS.map((s) => {
    const raw = env[s.env];
    if (raw === undefined || raw === '') return [s.key, s.fallback] as const;
    try {
      return [s.key, s.parse(raw)] as const;
    } catch (error) {
      if (!(error instanceof ConfigValueError)) throw error;
      problems.push(`${s.env} ${error.message}`);
      return [s.key, s.fallback] as const;
    }
  });
  const providerEnvironment = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!PROVIDER_VARIABLE.test(name) || value === undefined || value === '') continue;
    if (name.endsWith('_BASE_URL') && !/^https?:\/\/\S+$/.test(value)) problems.push(`${name} must be an http:// or https:// URL`);
    providerEnvironment.set(name, value);
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return { ...(Object.fromEntries(entries) as unknown as Omit<Config, 'providerEnvironment'>), providerEnvironment };
}

/** Where the operator CLI finds the running server: BASE_URL, else the configured host and port. */
export function operatorBaseUrl(config: Config, env: Record<string, string | undefined> = process.env): string {
  const base = env['BASE_URL'];
  if (base !== undefined && base !== '') return nullableUrl(['http:', 'https:'])(base) ?? base;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}
