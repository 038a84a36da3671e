/** GET /v1/auth/account: org, plan, credit balance and members (seed 000); PATCH renames the workspace (owners and admins, in the dashboard). */
import { Type } from 'typebox';
import { getAccount, renameWorkspace } from '../../domain/accounts.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { App } from '../app.ts';
import { originOf, principalOf } from '../authentication.ts';
import { SESSION_SECURITY } from '../identity-schemas.ts';
import { Label } from '../schemas.ts';

export function registerAccountRoute(app: App, ctx: DomainContext): void {
  app.get(
    '/v1/auth/account',
    {
      config: { scope: 'account:read' },
      schema: {
        tags: ['accounts'],
        summary: 'Verify a key: your org, plan, credit balance and members',
        security: [{ bearer: [] }],
        response: {
          200: Type.Object({
            org_id: Type.String(),
            display_name: Type.String(),
            plan: Type.String({ examples: ['free'] }),
            credit_balance: Type.Object({
              currency: Type.Literal('usd'),
              amount: Type.String({ description: 'Decimal dollars, exact', examples: ['42.00'] }),
            }),
            members: Type.Array(
              Type.Object({ user_id: Type.String(), email: Type.String(), role: Type.String(), joined_at: Type.String() }),
            ),
          }),
        },
      },
    },
    async (request) => getAccount(ctx, principalOf(request)),
  );

  app.patch(
    '/v1/auth/account',
    {
      config: { session: true },
      schema: {
        tags: ['accounts'],
        summary: 'Rename the workspace (owners and admins, signed in to the dashboard)',
        security: SESSION_SECURITY,
        body: Type.Object({ display_name: Label('The workspace name') }, { additionalProperties: false }),
      },
    },
    async (request) => renameWorkspace(ctx, principalOf(request), request.body.display_name, originOf(request)),
  );
}
