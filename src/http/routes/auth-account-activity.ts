/** GET /v1/auth/account/activity: recent activity from the audit log (your own, or the workspace's for owners and admins). */
import { Type } from 'typebox';
import { listActivity } from '../../domain/activity.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { App } from '../app.ts';
import { principalOf } from '../authentication.ts';
import { pageBody, PageQueryFields, pageRequest } from '../schemas.ts';

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
            ...PageQueryFields,
            mine: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { limit, after } = pageRequest(request.query);
      const page = await listActivity(ctx, principalOf(request), request.query.mine === true, limit, after);
      return pageBody(page.data, page.next);
    },
  );
}
