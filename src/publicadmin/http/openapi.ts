// OpenAPI 3.0 documents of the four services, generated from the route table.
import { SERVICE_ROUTES, type ServiceCode } from './routes.js';
import { toOpenApi30 } from '../../core/openapi-30.js';

// TypeBox schemas carry symbol keys; a JSON round trip leaves plain JSON Schema.
const plain = (s: unknown) => (s === undefined ? undefined : JSON.parse(JSON.stringify(s)));

const PROBLEM = {
  description: 'Error (RFC 9457 problem details)',
  content: { 'application/problem+json': { schema: { type: 'object', properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, code: { type: 'string' } } } } },
};

export function openApiFor(code: ServiceCode): Record<string, unknown> {
  const svc = SERVICE_ROUTES[code];
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of svc.routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
      const p = plain(schema);
      if (!p) continue;
      for (const [name, sch] of Object.entries<any>(p.properties ?? {})) {
        const { description, ...rest } = sch;
        parameters.push({ name, in: where, required: where === 'path' || (p.required ?? []).includes(name), schema: rest, ...(description ? { description } : {}) });
      }
    }
    const op: Record<string, unknown> = {
      operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, '').split(/[/-]/).map((x) => x.charAt(0).toUpperCase() + x.slice(1)).join('')}`,
      summary: r.summary,
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: plain(r.body) } } } } : {}),
      responses: {
        [String(r.status ?? 200)]: { description: 'OK', content: { 'application/json': { schema: r.response } } },
        400: PROBLEM, 404: PROBLEM, ...(r.path.endsWith('/transitions') ? { 409: PROBLEM } : {}),
      },
    };
    paths[path] = { ...(paths[path] ?? {}), [r.method.toLowerCase()]: op };
  }
  // TypeBox's `const` and empty `required` lists are not OpenAPI 3.0: tools would refuse the document.
  return toOpenApi30({
    openapi: '3.0.3',
    info: { title: `Vamco publicadmin: ${svc.title}`, version: '1.0.0', description: svc.description },
    paths,
  });
}
