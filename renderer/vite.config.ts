// Vite config for the renderer: the production build (dist/renderer), loaded from app://engawa/ by
// Electron and served by the browser-mode host (core/host) to the end-to-end tests, both with the
// app's CSP header; `vite preview` works too for a quick look. Build tooling that runs in Node.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './', // relative asset URLs work under app://engawa/ and any preview port alike
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome140',
  },
  preview: {
    host: '127.0.0.1',
    strictPort: true,
  },
});
