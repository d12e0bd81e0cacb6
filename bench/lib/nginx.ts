// One nginx, two servers: the fast backend (`return 200` with a ~200-byte JSON) and the
// reference reverse proxy in front of it (keepalive upstream, as a production proxy would be).
import fs from 'node:fs';
import path from 'node:path';
import { mustRun, start, waitHttp, type Proc } from './proc.js';

// 208 bytes, like the answers in DESIGN.md's measurements.
export const BODY = JSON.stringify({
  soDinhDanh: '079203000001', hoTen: 'Nguyen Van An', ngaySinh: '2003-05-14',
  noiDangKy: 'UBND Phuong Tan An, Tay Ninh', trangThai: 'active', nguon: 'bench', pad: 'x'.repeat(42),
});

export interface Nginx { proc: Proc; backendUrl: string; proxyUrl: string; tlsProxyUrl: string | null; stop(): Promise<void> }

/** The same proxy over HTTPS, with this certificate and key (PEM files). */
export interface NginxTls { port: number; certFile: string; keyFile: string }

/** A self-signed P-256 certificate for 127.0.0.1 (openssl), shared by every HTTPS target of a run. */
export async function makeBenchCert(dir: string): Promise<{ certFile: string; keyFile: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  await mustRun('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile]);
  return { certFile, keyFile };
}

export async function startNginx(dir: string, backendPort: number, proxyPort: number, workers: number, tls?: NginxTls): Promise<Nginx> {
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  // nginx's single-quoted strings take \' and \\ escapes only; the body has neither.
  fs.writeFileSync(conf, `
daemon off;
master_process on;
worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${backendPort};
    location / { default_type application/json; return 200 '${BODY}'; }
  }
  server {
    listen 127.0.0.1:${proxyPort};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
${tls ? `  server {
    listen 127.0.0.1:${tls.port} ssl;
    ssl_certificate ${tls.certFile};
    ssl_certificate_key ${tls.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
` : ''}}
`);
  const proc = start('nginx', 'nginx', ['-p', dir, '-c', conf, '-e', path.join(dir, 'logs/error.log')]);
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  try {
    await waitHttp(backendUrl + '/', { proc, timeoutMs: 10_000 });
    await waitHttp(proxyUrl + '/', { proc, timeoutMs: 10_000 });
  } catch (e) {
    await proc.stop('SIGQUIT');
    throw e;
  }
  return { proc, backendUrl, proxyUrl, tlsProxyUrl: tls ? `https://127.0.0.1:${tls.port}` : null, stop: async () => { await proc.stop('SIGQUIT'); } };
}
