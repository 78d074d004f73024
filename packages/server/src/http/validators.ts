import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/**
 * JSON Schema validation per request part. Bodies are JSON: a number is never accepted as a
 * string or the other way round, and unknown fields are errors. Query strings and path
 * parameters are text by nature, so they are coerced to the declared types.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = addFormats(
    new Ajv({
      removeAdditional: false,
      coerceTypes: false,
      useDefaults: true,
      allErrors: false,
      strict: false,
    }),
  );
  const coercing = addFormats(
    new Ajv({
      removeAdditional: false,
      coerceTypes: 'array',
      useDefaults: true,
      allErrors: false,
      strict: false,
    }),
  );
  const cache = new WeakMap<object, ValidateFunction>();
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
    const key = schema as object;
    let validate = httpPart === 'body' ? cache.get(key) : undefined;
    if (!validate) {
      validate = ajv.compile(schema as object);
      if (httpPart === 'body') cache.set(key, validate);
    }
    return validate;
  };
}
