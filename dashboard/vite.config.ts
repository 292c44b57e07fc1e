import { defineConfig } from 'vite';

// Served by the API process at /dashboard (src/platform/http/static-site.ts); `npm run dashboard:dev`
// runs Vite's dev server with /api proxied to a service on :3000.
export default defineConfig({
  base: '/dashboard/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
