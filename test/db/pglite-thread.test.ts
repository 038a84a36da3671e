/**
 * The embedded database on its own thread: values cross intact, errors keep PostgreSQL's fields,
 * a transaction has the one session to itself, notifications arrive, and a data directory keeps
 * what was written across a close and a reopen.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { PgliteError, PgliteThread } from '../../src/db/pglite-thread.ts';

let thread: PgliteThread;
let database: Database;

beforeAll(async () => {
  thread = await PgliteThread.start({ directory: null, schema: 'thread_test' });
  await thread.exec('create table things (id int8 primary key, name text not null unique, at timestamptz, doc jsonb, bytes bytea)');
  database = await openDatabase({ kind: 'pglite', directory: null, schema: 'kysely_test' });
  await database.executeScript('create table counters (id int primary key, n int not null)');
});
afterAll(async () => {
  await thread?.close();
  await database?.close();
});

describe('a statement on the thread', () => {
  it('takes and gives back dates, JSON, bytes and int8 as the server thread had them', async () => {
    const at = new Date('2031-02-03T04:05:06.789Z');
    await thread.query('insert into things values ($1, $2, $3, $4, $5)', [9_007_199_254_740_991, 'first', at, JSON.stringify({ a: [1, 'two'] }), new Uint8Array([0, 255, 7])]);
    const { rows } = await thread.query<{ id: number; at: Date; doc: unknown; bytes: Uint8Array }>('select id, at, doc, bytes from things where name = $1', ['first']);
    expect(rows).toEqual([{ id: 9_007_199_254_740_991, at, doc: { a: [1, 'two'] }, bytes: new Uint8Array([0, 255, 7]) }]);
    expect(rows[0]?.at).toBeInstanceOf(Date);
  });

  it('refuses an int8 that a double cannot hold exactly, and the thread answers on', async () => {
    await expect(thread.query("select '9007199254740993'::int8 as n")).rejects.toThrow(/outside the exact range/);
    expect((await thread.query<{ n: number }>('select 1 as n')).rows).toEqual([{ n: 1 }]);
  });

  it("fails with PostgreSQL's error fields: code, constraint, table", async () => {
    const error = await thread.query('insert into things (id, name) values (1, $1), (2, $1)', ['twice']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PgliteError);
    expect(error).toMatchObject({ code: '23505', constraint: 'things_name_key', table: 'things', message: expect.stringContaining('duplicate key') });
  });

  it('runs several statements with exec, one result each, and says how many rows a statement changed', async () => {
    const results = await thread.exec("insert into things (id, name) values (10, 'a'), (11, 'b'); select count(*)::int as n from things where id between 10 and 11");
    expect(results.map((result) => result.rows)).toEqual([[], [{ n: 2 }]]);
    expect((await thread.query("update things set name = name || '!' where id between 10 and 11")).affectedRows).toBe(2);
  });
});

describe('transactions', () => {
  it('hold the session: a statement from outside waits until the transaction has ended', async () => {
    const tx = await thread.begin(null);
    await thread.query("insert into things (id, name) values (20, 'in a transaction')", [], tx);
    let outsideAnswered = false;
    const outside = thread.query<{ n: number }>('select count(*)::int as n from things where id = 20').then((result) => {
      outsideAnswered = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(outsideAnswered).toBe(false);
    await thread.end(tx, 'rollback');
    expect((await outside).rows).toEqual([{ n: 0 }]);
  });

  it('through Kysely: commit keeps, a thrown error rolls back, and concurrent increments all count', async () => {
    await database.db.transaction().execute(async (trx) => {
      await sql`insert into counters values (1, 0)`.execute(trx);
    });
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sql`update counters set n = 100 where id = 1`.execute(trx);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await Promise.all(
      Array.from({ length: 20 }, () =>
        database.db.transaction().execute(async (trx) => {
          const { rows } = await sql<{ n: number }>`select n from counters where id = 1`.execute(trx);
          await sql`update counters set n = ${(rows[0]?.n ?? 0) + 1} where id = 1`.execute(trx);
        }),
      ),
    );
    expect((await sql<{ n: number }>`select n from counters where id = 1`.execute(database.db)).rows).toEqual([{ n: 20 }]);
  });

  it('take their characteristics, and a failed commit is an error', async () => {
    const tx = await thread.begin('isolation level serializable, read only');
    expect((await thread.query<{ transaction_isolation: string }>('show transaction_isolation', [], tx)).rows).toEqual([{ transaction_isolation: 'serializable' }]);
    await expect(thread.query("insert into things (id, name) values (30, 'read only')", [], tx)).rejects.toMatchObject({ code: '25006' });
    await thread.end(tx, 'rollback');
    const deferred = await thread.begin(null);
    await thread.exec('create table parents (id int primary key); create table children (parent int references parents deferrable initially deferred)', deferred);
    await thread.query('insert into children values (1)', [], deferred);
    await expect(thread.end(deferred, 'commit')).rejects.toMatchObject({ code: '23503' });
    expect((await thread.query("select to_regclass('parents') as t")).rows).toEqual([{ t: null }]);
  });
});

describe('notifications', () => {
  it('reach a listener on the server thread, sent at commit, until it stops listening', async () => {
    const heard: string[] = [];
    const stop = await thread.listen('news', (payload) => heard.push(payload));
    const tx = await thread.begin(null);
    await thread.query("select pg_notify('news', 'inside')", [], tx);
    expect(heard).toEqual([]);
    await thread.end(tx, 'commit');
    await thread.query("select pg_notify('news', 'outside')");
    await expect.poll(() => heard).toEqual(['inside', 'outside']);
    await stop();
    await thread.query("select pg_notify('news', 'after')");
    await thread.query('select 1');
    expect(heard).toEqual(['inside', 'outside']);
  });
});

describe('a data directory', () => {
  it('keeps what was written across a close and a reopen; calls after the close are refused', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'br-pglite-thread-'));
    try {
      const first = await PgliteThread.start({ directory, schema: 'kept' });
      await first.exec("create table notes (body text); insert into notes values ('still here')");
      await first.close();
      await expect(first.query('select 1')).rejects.toThrow(/thread ended/);
      const second = await PgliteThread.start({ directory, schema: 'kept' });
      expect((await second.query('select body from notes')).rows).toEqual([{ body: 'still here' }]);
      await second.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
