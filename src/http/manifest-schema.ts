/** The manifest's JSON schema (seed 002), shared by quote and submit: types and bounds only. */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Id } from './schemas.ts';
import { OPERATIONS } from '../domain/catalog.ts';
import type { ItemMeasurer } from '../domain/measure-items.ts';
import { MAX_INLINE_ITEMS, PRIVACY_TIERS, ROUTING_MODES, SLA_TIERS } from '../domain/manifest.ts';

const oneOf = (values: readonly string[], description: string) => Type.Union(values.map((value) => Type.Literal(value)), { description });
const Name = (description: string, maxLength = 200) => Type.String({ minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$', description });

export const ManifestItem = Type.Object(
  {
    customer_item_id: Name('Your id for the item, unique in the batch', 256),
    operation: oneOf(OPERATIONS, 'responses, chat.completions or embeddings'),
    model: Name('The preferred model (see GET /v1/catalog/models)'),
    model_options: Type.Optional(Type.Array(Name('A model the router may use instead'), { maxItems: 16, uniqueItems: true })),
    input: Type.Object({}, { additionalProperties: true, description: 'The provider request body for the operation, without model' }),
  },
  { additionalProperties: false },
);

export const manifestFields = {
  sla_tier: Type.Optional(oneOf(SLA_TIERS, 'flex (48 h), standard (24 h, default) or priority (1 h)')),
  routing_mode: Type.Optional(oneOf(ROUTING_MODES, 'cheapest, sla_aware (default) or fastest')),
  privacy_tier: Type.Optional(oneOf(PRIVACY_TIERS, 'standard (default), zero_retention or self_hosted')),
  allowed_regions: Type.Optional(Type.Array(Type.String({ maxLength: 16 }), { minItems: 1, maxItems: 4, uniqueItems: true, description: '["global"] (default) or a subset of us, eu, apac' })),
  items: Type.Optional(Type.Array(ManifestItem, { minItems: 1, maxItems: MAX_INLINE_ITEMS, description: 'The items inline; or upload them with POST /v1/files and send input_file_id' })),
  input_file_id: Type.Optional(Id('A JSONL manifest uploaded with POST /v1/files, instead of items')),
};

export const QuoteBody = Type.Object(manifestFields, { additionalProperties: false });

export const SubmitBody = Type.Object(
  {
    ...manifestFields,
    quote_id: Type.Optional(Id('A quote of this exact manifest, to run at its locked prices')),
    metadata: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 }), { maxProperties: 32 })),
    webhook: Type.Optional(
      Type.Object(
        {
          url: Type.String({ minLength: 1, maxLength: 2048, description: "This batch's events go here instead of the workspace endpoint: a public https:// URL" }),
          secret: Type.String({ minLength: 16, maxLength: 256, description: 'Signs the deliveries (16–256 printable characters; a whsec_ secret for Standard Webhooks libraries)' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * A preValidation hook that starts measuring a body's inline items (src/domain/measure-items.ts)
 * as soon as the body is parsed: the tokenizer threads then work while the request thread
 * validates and checks it, and the quote or submit that follows gets that measurement. A body
 * that fails validation leaves its measurement unused.
 */
export function measureItemsEarly(measurer: ItemMeasurer, keepJson: boolean): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || !('items' in body)) return;
    const items = body.items;
    if (Array.isArray(items) && items.length <= MAX_INLINE_ITEMS) void measurer.measure(items, keepJson);
  };
}
