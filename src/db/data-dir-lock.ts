/**
 * An exclusive lock on the embedded database's directory. Two processes that open one PGlite
 * directory do not fail: they silently diverge and lose writes. So the server takes this lock
 * before opening it and refuses to start when another live process holds it.
 *
 * The lock is a file created with O_EXCL holding the owner's pid and host. A lock left behind by a
 * process that died (kill -9, power loss) is taken over when that pid is no longer alive on this
 * host; a lock from another host is never taken over.
 */
import { hostname } from 'node:os';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';

export class DataDirectoryLockedError extends Error {
  override name = 'DataDirectoryLockedError';
}

export interface DataDirectoryLock {
  release(): Promise<void>;
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'pid' in parsed && 'host' in parsed && 'since' in parsed) {
      const { pid, host, since } = parsed;
      if (typeof pid === 'number' && typeof host === 'string' && typeof since === 'string') return { pid, host, since };
    }
    return null;
  } catch {
    return null;
  }
}

/** Takes the lock on `directory` (creating it), or throws DataDirectoryLockedError saying who holds it. */
export async function lockDataDirectory(directory: string): Promise<DataDirectoryLock> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const file = path.join(directory, 'batchrouter.lock');
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(me));
      await handle.close();
      return {
        release: async () => {
          const owner = await readOwner(file);
          if (owner?.pid === me.pid && owner.host === me.host) await unlink(file).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(file);
    const stale = owner !== null && owner.host === me.host && owner.pid !== me.pid && !isAlive(owner.pid);
    if (!stale) {
      const who = owner ? `process ${owner.pid} on ${owner.host} (since ${owner.since})` : 'another process';
      throw new DataDirectoryLockedError(
        `The data directory ${directory} is in use by ${who}. The embedded database allows one process only: ` +
          'stop that server first, or send operator commands to it (batchrouter credits/keys talk to the running server). ' +
          `If no server is running, delete ${file}.`,
      );
    }
    await unlink(file).catch(() => undefined);
  }
  throw new DataDirectoryLockedError(`Could not take the lock ${file}: another process keeps taking it.`);
}
