// JSON Schema as TypeBox writes it (draft 2019-09 style) into what OpenAPI 3.0's Schema Object
// accepts, for the documents Vamco serves as OpenAPI 3.0.3: client generators and API portals
// validate them against the 3.0 schema and refuse what 3.0 does not have.
//   - `const: x`             → `enum: [x]`            (3.0 has no `const`)
//   - `required: []`         → dropped                 (3.0: "minItems: 1")
//   - `type: 'null'` members of anyOf/oneOf → `nullable: true` on the others (3.0 has no null type)
//   - `type: [..., 'null']`  → the other type + `nullable: true`
//   - `examples: [a, …]`     → `example: a`
// Property names inside `properties` are data, not keywords, and are left alone.

type Json = unknown;

const isObj = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNullSchema = (v: Json) => isObj(v) && v.type === 'null';

function schema30(s: Json): Json {
  if (Array.isArray(s)) return s.map(schema30);
  if (!isObj(s)) return s;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions' || k === '$defs') {
      out[k] = isObj(v) ? Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, schema30(sub)])) : v;
    } else if (k === 'const') {
      out.enum = [v];
    } else if (k === 'required' && Array.isArray(v) && v.length === 0) {
      // dropped
    } else if (k === 'examples' && Array.isArray(v)) {
      if (v.length && !('example' in s)) out.example = v[0];
    } else if ((k === 'anyOf' || k === 'oneOf') && Array.isArray(v) && v.some(isNullSchema)) {
      const rest = v.filter((x) => !isNullSchema(x)).map(schema30);
      if (rest.length === 1 && isObj(rest[0])) Object.assign(out, rest[0], { nullable: true });
      else { out[k] = rest.map((x) => (isObj(x) ? { ...x, nullable: true } : x)); out.nullable = true; }
    } else if (k === 'type' && Array.isArray(v)) {
      const types = v.filter((t) => t !== 'null');
      if (types.length !== v.length) out.nullable = true;
      if (types.length === 1) out.type = types[0];
      else out.anyOf = types.map((t) => ({ type: t }));
    } else if (k === 'type' && v === 'null') {
      out.nullable = true;
      out.enum = [null];
    } else if (k === 'items' || k === 'additionalProperties' || k === 'not' || k === 'allOf' || k === 'anyOf' || k === 'oneOf') {
      out[k] = schema30(v);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/**
 * Every Schema Object of an OpenAPI 3.0 document made 3.0-valid: components' schemas,
 * parameters, request bodies, responses and headers (found wherever a `schema` key sits).
 */
export function toOpenApi30<T>(doc: T): T {
  const walk = (n: Json, parentKey?: string): Json => {
    if (Array.isArray(n)) return n.map((x) => walk(x));
    if (!isObj(n)) return n;
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(n)) {
      if (k === 'schema') out[k] = schema30(v);
      else if (k === 'schemas' && parentKey === 'components' && isObj(v)) out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, schema30(s)]));
      else out[k] = walk(v, k);
    }
    return out;
  };
  return walk(doc) as T;
}
