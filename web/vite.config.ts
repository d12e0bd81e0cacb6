// Builds the console into web/dist, which the admin server serves at / (API under /api/v1).
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * Brotli and gzip copies of every text asset next to it (x.js.br, x.js.gz): the admin server
 * sends them to browsers that accept them, without compressing on each request.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'vamco-precompress',
    apply: 'build',
    configResolved(c) { outDir = path.resolve(c.root, c.build.outDir); },
    closeBundle() {
      for (const e of fs.readdirSync(outDir, { recursive: true, withFileTypes: true })) {
        if (!e.isFile() || !/\.(js|css|html|svg|json)$/.test(e.name)) continue;
        const file = path.join(e.parentPath, e.name);
        const body = fs.readFileSync(file);
        if (body.length < 1024) continue;
        fs.writeFileSync(file + '.br', zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
        fs.writeFileSync(file + '.gz', zlib.gzipSync(body, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react(), precompress()],
  // Fonts stay files: the console's CSP allows fonts from 'self', not data: URIs.
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000, sourcemap: false, assetsInlineLimit: (file: string) => (/\.woff2?$/.test(file) ? false : undefined) },
  // `npm run dev:web` proxies the API to a running `vamco start`.
  server: { proxy: { '/api': 'http://127.0.0.1:4000' } },
});
