/**
 * How operator commands reach the running server: HTTP to its operator API with the admin token.
 * They never open the database themselves (the embedded one allows one process only).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';

export class OperatorCommandError extends Error {
  override name = 'OperatorCommandError';
}

async function adminTokenOf(config: Config): Promise<string> {
  if (config.adminToken !== null) return config.adminToken;
  const file = path.join(config.dataDir, 'admin-token');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    throw new OperatorCommandError(`No operator token: set BATCHROUTER_ADMIN_TOKEN, or run this where the server's ${file} is readable.`);
  }
}

/** POSTs a JSON body to the operator API and returns the parsed answer, or throws its error message. */
export async function callOperatorApi(config: Config, baseUrl: string, route: string, body: unknown): Promise<unknown> {
  const token = await adminTokenOf(config);
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new OperatorCommandError(`Cannot reach the server at ${baseUrl} (${(error as Error).message}). Start it, or set BASE_URL.`);
  }
  const parsed: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string; details?: { path: string; message: string }[] } } | null)?.error;
    const details = (error?.details ?? []).map((d) => `\n  ${d.path}: ${d.message}`).join('');
    throw new OperatorCommandError(`${response.status} ${error?.code ?? ''}: ${error?.message ?? 'the server refused the command'}${details}`);
  }
  return parsed;
}
