import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The portal: built to packages/web/dist, which `berth serve` serves from the same origin as
// the API (packages/server/src/http/web-assets.ts), so no dev proxy or CORS is involved in
// production. `npm run dev -w @berth/web` proxies /api to a `berth serve` on :8080.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // The server caches /assets/* for a year: every file name there carries its content hash.
    assetsDir: 'assets',
    reportCompressedSize: true,
    rolldownOptions: {
      output: {
        // React changes less often than the portal: its own long-cached chunk.
        codeSplitting: {
          groups: [{ name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ }],
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
