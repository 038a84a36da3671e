/** GET /v1/auth/account/activity: recent activity from the audit log (your own, or the workspace's for owners and admins). */
import { Type } from 'typebox';
import { listActivity } from '../../domain/activity.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { App } from '../app.ts';
import { principalOf } from '../authentication.ts';
import { decodeCursor, encodeCursor } from '../schemas.ts';

export function registerActivityRoute(app: App, ctx: DomainContext): void {
  app.get(
    '/v1/auth/account/activity',
    {
      config: { scope: 'account:read' },
      schema: {
        tags: ['accounts'],
        summary: 'Recent activity: sign-ins, verification, recovery, keys, roles, webhooks, batches; newest first',
        description: "With mine=true, what the caller (this person, or this key) did or had done to it. Without, the whole workspace's log: owners and admins only.",
        security: [{ bearer: [] }],
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
            mine: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { limit, cursor, mine } = request.query;
      const page = await listActivity(ctx, principalOf(request), mine === true, limit ?? 20, cursor !== undefined ? decodeCursor(cursor) : null);
      return { data: page.data, has_more: page.next !== null, next_cursor: page.next ? encodeCursor(page.next) : null };
    },
  );
}
