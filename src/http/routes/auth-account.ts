/** GET /v1/auth/account: org, plan, credit balance and members (seed 000). */
import { Type } from 'typebox';
import { getAccount } from '../../domain/accounts.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { App } from '../app.ts';
import { principalOf } from '../authentication.ts';

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
}
