/**
 * The operator API, behind BATCHROUTER_ADMIN_TOKEN. Operator commands (the CLI) go through it, so
 * they work while the server runs, on PGlite (one process only) as on PostgreSQL.
 */
import { Type } from 'typebox';
import { importLegacyKey } from '../../domain/api-keys.ts';
import type { DomainContext } from '../../domain/context.ts';
import { grantCredits } from '../../domain/credits.ts';
import { ApiError } from '../../domain/errors.ts';
import { formatUsd, parseUsd } from '../../money.ts';
import type { App } from '../app.ts';
import { originOf } from '../authentication.ts';
import { Id, Label } from '../schemas.ts';

const OrgParams = Type.Object({ org_id: Id('The org id (org_…)') });

export function registerOperatorRoutes(app: App, ctx: DomainContext): void {
  app.post(
    '/operator/v1/orgs/:org_id/credits',
    {
      config: { operator: true },
      schema: {
        tags: ['operator'],
        summary: 'Grant credits to an org (one ledger row)',
        security: [{ operator: [] }],
        params: OrgParams,
        body: Type.Object(
          {
            amount: Type.String({ description: 'US dollars as a decimal string, up to 6 decimals', examples: ['42.00'], maxLength: 20 }),
            reason: Type.String({ minLength: 1, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            ledger_entry_id: Type.String(),
            org_id: Type.String(),
            credit_balance: Type.Object({ currency: Type.Literal('usd'), amount: Type.String() }),
          }),
        },
      },
    },
    async (request, reply) => {
      const amountMicros = parseUsd(request.body.amount);
      if (amountMicros === null) {
        throw new ApiError('invalid_request', 'The amount is not valid.', {
          details: [{ path: 'amount', message: 'must be dollars with at most 6 decimals, e.g. 42 or 0.50, up to one billion' }],
        });
      }
      const grant = await grantCredits(ctx, { orgId: request.params.org_id, amountMicros, reason: request.body.reason }, originOf(request));
      return reply.status(201).send({
        ledger_entry_id: grant.ledgerEntryId,
        org_id: request.params.org_id,
        credit_balance: { currency: 'usd' as const, amount: formatUsd(grant.balanceMicros) },
      });
    },
  );

  app.post(
    '/operator/v1/orgs/:org_id/legacy-keys',
    {
      config: { operator: true },
      schema: {
        tags: ['operator'],
        summary: 'Import a legacy ob_live_ key by its SHA-256 (the secret never reaches the server)',
        security: [{ operator: [] }],
        params: OrgParams,
        body: Type.Object(
          {
            secret_sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
            prefix: Type.String({ pattern: '^ob_live_[0-9A-Za-z_-]{4}$' }),
            display: Type.String({ pattern: '^ob_live_…[0-9A-Za-z_-]{4}$' }),
            name: Type.Optional(Label('A name for the imported key')),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ api_key_id: Type.String(), display: Type.String(), legacy: Type.Boolean() }) },
      },
    },
    async (request, reply) => {
      const key = await importLegacyKey(
        ctx,
        {
          orgId: request.params.org_id,
          secretHash: request.body.secret_sha256,
          prefix: request.body.prefix,
          display: request.body.display,
          name: request.body.name?.trim() ?? null,
        },
        originOf(request),
      );
      return reply.status(201).send(key);
    },
  );
}
