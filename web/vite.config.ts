// Builds the console into web/dist, which the admin server serves at / (API under /api/v1).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000, sourcemap: false },
  // `npm run dev:web` proxies the API to a running `vamco start`.
  server: { proxy: { '/api': 'http://127.0.0.1:4000' } },
});
