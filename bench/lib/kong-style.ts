// A peer that users actually pick: Kong is nginx + Lua plugins. This is nginx with Debian's Lua
// module doing what Kong's key-auth and rate-limiting plugins do on their hot path, written for
// this bench from the plugins' documented behaviour (no Kong code):
//   key-auth: the key from a header, looked up in an in-memory credential cache (Kong keeps
//     credentials in a node-level LRU cache in front of its database); unknown or missing → 401;
//     the consumer must match the one the request claims (X-Road-Client), as Vamco checks;
//     the key is stripped before the backend (hide_credentials), the consumer passed upstream.
//   rate-limiting (policy "local"): a per-consumer counter per second in a shared dict.
// What it does not do, and Vamco does: no durable log of any exchange, no digests, no hash
// chain, no endpoint-level grants, no shared counters across nodes (policy "local").
import fs from 'node:fs';
import path from 'node:path';
import { start, waitHttp, type Proc } from './proc.js';

export interface KongStyle { proc: Proc; url: string; headers: Record<string, string>; stop(): Promise<void> }

const MODULES = '/usr/lib/nginx/modules';

export function kongStyleAvailable(): boolean {
  return fs.existsSync(path.join(MODULES, 'ngx_http_lua_module.so')) && fs.existsSync(path.join(MODULES, 'ndk_http_module.so'));
}

/** Lua string literal: the key and consumer come from the bench's own setup, quoted safely anyway. */
const lua = (s: string) => JSON.stringify(s);

export async function startKongStyle(dir: string, port: number, backendUrl: string, consumer: { client: string; key: string; perSecond: number }): Promise<KongStyle> {
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  const backend = new URL(backendUrl);
  fs.writeFileSync(conf, `
load_module ${MODULES}/ndk_http_module.so;
load_module ${MODULES}/ngx_http_lua_module.so;
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  lua_shared_dict rate_counters 16m;
  init_by_lua_block {
    credentials = { [${lua(consumer.key)}] = ${lua(consumer.client)} }
    limit_per_second = ${Math.floor(consumer.perSecond)}
  }
  upstream backend { server ${backend.host}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / {
      access_by_lua_block {
        local key = ngx.var.http_x_api_key
        local consumer = key and credentials[key]
        if not consumer then
          ngx.status = 401
          ngx.header["Content-Type"] = "application/json"
          ngx.say('{"message":"Invalid authentication credentials"}')
          return ngx.exit(401)
        end
        if ngx.var.http_x_road_client ~= consumer then
          ngx.status = 403
          ngx.header["Content-Type"] = "application/json"
          ngx.say('{"message":"Consumer does not match"}')
          return ngx.exit(403)
        end
        local bucket = consumer .. ":" .. ngx.time()
        local n = ngx.shared.rate_counters:incr(bucket, 1, 0, 2)
        if n and n > limit_per_second then
          ngx.header["Retry-After"] = "1"
          return ngx.exit(429)
        end
        ngx.req.clear_header("X-API-Key")
        ngx.req.set_header("X-Consumer-Username", consumer)
      }
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`);
  const proc = start('kong-style', 'nginx', ['-p', dir, '-c', conf, '-e', path.join(dir, 'logs/error.log')]);
  const url = `http://127.0.0.1:${port}/item/1`;
  const headers = { 'x-road-client': consumer.client, 'x-api-key': consumer.key };
  try {
    await waitHttp(url, { proc, headers, timeoutMs: 10_000 });
    // The peer must really check: a wrong key and a mismatched client are refused.
    const wrongKey = await fetch(url, { headers: { ...headers, 'x-api-key': 'not-' + consumer.key } });
    const wrongClient = await fetch(url, { headers: { ...headers, 'x-road-client': consumer.client + 'x' } });
    if (wrongKey.status !== 401 || wrongClient.status !== 403) throw new Error(`Kong-style peer does not check credentials (${wrongKey.status}, ${wrongClient.status})`);
  } catch (e) {
    await proc.stop('SIGQUIT');
    throw e;
  }
  return { proc, url, headers, stop: async () => { await proc.stop('SIGQUIT'); } };
}
