// Builds the console into web/dist, which the admin server serves at / (API under /api/v1).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  // Fonts stay files: the console's CSP allows fonts from 'self', not data: URIs.
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000, sourcemap: false, assetsInlineLimit: (file: string) => (/\.woff2?$/.test(file) ? false : undefined) },
  // `npm run dev:web` proxies the API to a running `vamco start`.
  server: { proxy: { '/api': 'http://127.0.0.1:4000' } },
});
