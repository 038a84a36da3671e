/** /v1/billing: credits (balance, reserved, available), reservations, and the ledger they come from. */
import { Type } from 'typebox';
import { getBilling, listLedger, listReservations } from '../../domain/billing.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { App } from '../app.ts';
import { principalOf } from '../authentication.ts';
import { pageBody, PageQueryFields, pageRequest } from '../schemas.ts';

const tags = ['billing'];
const security = [{ bearer: [] }];

export function registerBillingRoutes(app: App, ctx: DomainContext): void {
  app.get(
    '/v1/billing',
    {
      config: { scope: 'account:read' },
      schema: {
        tags,
        summary: "The org's credits: balance, reserved by running batches, available for new ones",
        description: '`available` is what a new batch may reserve; `reserved` is held by batches still running until they settle; `balance` is both.',
        security,
      },
    },
    async (request) => getBilling(ctx, principalOf(request)),
  );

  app.get(
    '/v1/billing/reservations',
    {
      config: { scope: 'account:read' },
      schema: { tags, summary: 'Batches holding a reservation now, newest first', security },
    },
    async (request) => listReservations(ctx, principalOf(request)),
  );

  app.get(
    '/v1/billing/ledger',
    {
      config: { scope: 'account:read' },
      schema: {
        tags,
        summary: "The org's credit ledger, newest first, a page at a time (grants, reservations, captures, releases, adjustments)",
        security,
        querystring: Type.Object(
          {
            ...PageQueryFields,
            entry_type: Type.Optional(
              Type.Union([Type.Literal('grant'), Type.Literal('reservation'), Type.Literal('capture'), Type.Literal('release'), Type.Literal('adjustment')]),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { limit, after } = pageRequest(request.query);
      const page = await listLedger(ctx, principalOf(request), request.query.entry_type, limit, after);
      return pageBody(page.data, page.next);
    },
  );
}
