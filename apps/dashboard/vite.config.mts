/**
 * Build of the web dashboard: a static single-page app in dist/apps/server/dashboard, next to the
 * server's main.js, so everything that ships dist/apps/server (the images, the host artifacts)
 * carries it and the server serves that folder at `/`.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs: the page works wherever the server mounts it.
  base: './',
  resolve: {
    // Pure protocol code shared with the server (the float format), as tsconfig.json maps it.
    alias: { '@app/protocol': resolve(import.meta.dirname, '../../libs/protocol/src') },
  },
  // `npx vite --config apps/dashboard/vite.config.mts`: the page with live reload, calling the
  // API of a server started beside it (PULSE_HTTP_PORT 7071, the default).
  server: { proxy: { '/api': 'http://127.0.0.1:7071' } },
  build: {
    outDir: resolve(import.meta.dirname, '../../dist/apps/server/dashboard'),
    // Only this folder: the server's build lives beside it in dist/apps/server.
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
  },
});
