/**
 * Request validation: bodies are checked strictly (no type coercion, unknown fields rejected,
 * every problem reported); path and query strings are coerced, as they are text on the wire.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { ErrorDetail } from '../domain/errors.ts';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = addFormatsModule as unknown as AddFormats;

function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes, removeAdditional: false, useDefaults: true, strict: false });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const textAjv = makeAjv(true);

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema);

/** `/items/3/model` → `items[3].model`: the path style every `details` entry uses. */
export function pathOf(instancePath: string, prefix: string): string {
  let out = prefix;
  for (const segment of instancePath.split('/').slice(1)) {
    const name = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(name) ? `[${name}]` : out === '' ? name : `.${name}`;
  }
  return out;
}

const PART_PREFIX: Record<string, string> = { body: '', querystring: 'query', params: 'path', headers: 'headers' };

/** Turns ajv's errors into `details`: one entry per problem, named by where it is. */
export function detailsOf(errors: ErrorObject[], part: string): ErrorDetail[] {
  const prefix = PART_PREFIX[part] ?? part;
  const details = errors.map((error): ErrorDetail => {
    const base = pathOf(error.instancePath, prefix);
    const join = (name: string) => (base === '' ? name : `${base}.${name}`);
    if (error.keyword === 'additionalProperties') {
      return { path: join(String(error.params['additionalProperty'])), message: 'is not a known field' };
    }
    if (error.keyword === 'required') {
      return { path: join(String(error.params['missingProperty'])), message: 'is required' };
    }
    return { path: base === '' ? (prefix === '' ? 'body' : prefix) : base, message: error.message ?? 'is not valid' };
  });
  return details.filter((d, i) => details.findIndex((o) => o.path === d.path && o.message === d.message) === i);
}
