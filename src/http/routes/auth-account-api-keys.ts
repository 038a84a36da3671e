/** /v1/auth/account/api-keys: create (secret shown once), list (masked), revoke (seed 000, 001). */
import { Type } from 'typebox';
import { ROLES, SCOPES } from '../../domain/access.ts';
import { createKey, listKeys, revokeKey } from '../../domain/api-keys.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { App } from '../app.ts';
import { originOf, principalOf } from '../authentication.ts';
import { Id, Label, Timestamp } from '../schemas.ts';

const Role = Type.Union(ROLES.map((role) => Type.Literal(role)));
const Scope = Type.Union(SCOPES.map((scope) => Type.Literal(scope)));
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const KeyMetadata = Type.Object({
  api_key_id: Type.String(),
  name: Nullable(Type.String()),
  environment: Type.String(),
  role: Type.String(),
  scopes: Type.Array(Type.String()),
  prefix: Type.String({ description: 'The first characters of the secret' }),
  display: Type.String({ description: 'Masked secret, e.g. br_live_…a1b2' }),
  legacy: Type.Boolean(),
  created_by: Nullable(Type.String()),
  created_at: Type.String(),
  expires_at: Nullable(Type.String()),
  revoked_at: Nullable(Type.String()),
  last_used_at: Nullable(Type.String()),
});

const KeyId = Type.Object({ id: Id('api_key_id (key_…)') });

export function registerApiKeyRoutes(app: App, ctx: DomainContext): void {
  app.post(
    '/v1/auth/account/api-keys',
    {
      config: { scope: 'keys:write' },
      schema: {
        tags: ['accounts'],
        summary: 'Create an API key; its secret is shown only in this response',
        description:
          'Owners and admins only. A key never holds more than the key that creates it: its role, scopes and expiry are at most the creator\'s. Scopes default to the creator\'s scopes that the new role may hold.',
        security: [{ bearer: [] }],
        body: Type.Object(
          {
            name: Type.Optional(Label('A name to tell the key apart, e.g. production-worker')),
            label: Type.Optional(Label('Another name for `name`')),
            expires_at: Type.Optional(Timestamp('When the key stops working (RFC 3339); omit for a non-expiring key')),
            scopes: Type.Optional(Type.Array(Scope, { minItems: 1, uniqueItems: true })),
            role: Type.Optional(Role),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            api_key: Type.String({ description: 'The secret, shown only this once' }),
            api_key_id: Type.String(),
            name: Nullable(Type.String()),
            expires_at: Nullable(Type.String()),
            role: Type.String(),
            scopes: Type.Array(Type.String()),
            display: Type.String(),
            created_at: Type.String(),
          }),
        },
      },
    },
    async (request, reply) => reply.status(201).send(await createKey(ctx, principalOf(request), request.body, originOf(request))),
  );

  app.get(
    '/v1/auth/account/api-keys',
    {
      config: { scope: 'account:read' },
      schema: {
        tags: ['accounts'],
        summary: "List the org's API keys: metadata and masked display only",
        security: [{ bearer: [] }],
        response: { 200: Type.Object({ data: Type.Array(KeyMetadata) }) },
      },
    },
    async (request) => ({ data: await listKeys(ctx, principalOf(request)) }),
  );

  app.post(
    '/v1/auth/account/api-keys/:id/revoke',
    {
      config: { scope: 'keys:write' },
      schema: {
        tags: ['accounts'],
        summary: 'Revoke a key: it answers 401 from the very next request',
        description: 'Revoking a revoked key is harmless and returns it unchanged. Admin keys cannot revoke owner keys.',
        security: [{ bearer: [] }],
        params: KeyId,
        response: { 200: KeyMetadata },
      },
    },
    async (request) => revokeKey(ctx, principalOf(request), request.params.id, originOf(request)),
  );
}
