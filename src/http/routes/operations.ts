/** Liveness and readiness for load balancers and orchestrators. */
import { Type } from 'typebox';
import { sql } from 'kysely';
import type { DomainContext } from '../../domain/context.ts';
import { ApiError } from '../../domain/errors.ts';
import type { App } from '../app.ts';

export function registerOperationsRoutes(app: App, ctx: DomainContext): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process answers (touches nothing else)',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers',
        response: { 200: Type.Object({ status: Type.Literal('ready'), database: Type.Literal('ok') }) },
      },
    },
    async () => {
      try {
        await sql`select 1`.execute(ctx.db);
      } catch {
        throw new ApiError('service_unavailable', 'The database does not answer.');
      }
      return { status: 'ready' as const, database: 'ok' as const };
    },
  );
}
