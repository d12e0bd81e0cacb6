// A QLVB document system's side of the hub API (/edoc/v1), as an axis SDK would call it:
// parameters as headers, the package as a multipart file with its SHA-256.
import crypto from 'node:crypto';

export interface EdocClient {
  send(xml: string | Buffer, messagetype: 'edoc' | 'status', opts?: { sha256?: string; headers?: Record<string, string> }): Promise<{ http: number; body: any }>;
  call(op: string, headers?: Record<string, string>): Promise<{ http: number; body: any }>;
  getEdoc(docId: string): Promise<{ http: number; bytes: Buffer; headers: Headers }>;
}

export function edocClient(gatewayUrl: string, auth: () => Record<string, string>, opName?: (op: string, params: Record<string, string>) => Record<string, string>): EdocClient {
  const headersFor = (op: string, params: Record<string, string>) => (opName ? opName(op, params) : { ...auth(), ...params });
  async function post(op: string, params: Record<string, string>, body?: FormData | Buffer, type?: string) {
    const res = await fetch(`${gatewayUrl}/edoc/v1/${op}`, {
      method: 'POST', headers: { ...headersFor(op, params), ...(type ? { 'content-type': type } : {}) }, body,
    });
    return res;
  }
  return {
    async send(xml, messagetype, opts = {}) {
      const bytes = Buffer.isBuffer(xml) ? xml : Buffer.from(xml, 'utf8');
      const sha256 = opts.sha256 ?? crypto.createHash('sha256').update(bytes).digest('hex');
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: 'application/xml' }), 'package.edxml');
      const res = await post('sendEdoc', { messagetype, servicetype: 'eDoc', sha256, ...opts.headers }, form);
      return { http: res.status, body: await res.json() };
    },
    async call(op, headers = {}) {
      const res = await post(op, headers);
      return { http: res.status, body: await res.json() };
    },
    async getEdoc(docId) {
      const res = await post('getEdoc', { docid: docId });
      return { http: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
    },
  };
}
