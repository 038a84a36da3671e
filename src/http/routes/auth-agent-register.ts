/** POST /v1/auth/agent-register: an org and an owner key in one unauthenticated call (seed 000). */
import { Type } from 'typebox';
import { registerAgent, type AgentRegistrationPolicy } from '../../domain/accounts.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { App } from '../app.ts';
import { originOf } from '../authentication.ts';
import { Label } from '../schemas.ts';

export function registerAgentRegisterRoute(app: App, ctx: DomainContext, policy: AgentRegistrationPolicy): void {
  app.post(
    '/v1/auth/agent-register',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create an org and an owner API key in one call',
        description:
          'For automated onboarding and AI agents: no email, no verification. All body fields are optional. The key is shown only once. Limited per client address; the operator may turn it off.',
        body: Type.Object(
          {
            org_name: Type.Optional(Label('Display name of the new org')),
            agent_name: Type.Optional(Label('Name of the issued key')),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            org_id: Type.String({ examples: ['org_abc123'] }),
            api_key: Type.String({ description: 'The secret, shown only this once', examples: ['br_live_xxxxxxxxxxxxxxxxxxxxxxxx'] }),
            api_key_id: Type.String({ examples: ['key_def456'] }),
          }),
        },
      },
    },
    async (request, reply) => {
      const registration = await registerAgent(ctx, policy, request.body, originOf(request));
      return reply.status(201).send(registration);
    },
  );
}
