/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// yoyaku-city serves dist/ at / under a strict CSP (script-src 'self', style-src 'self'): every
// asset is an external file under /assets/ with a content hash in its name, which the server
// caches for good, and nothing is inlined into the HTML.
export default defineConfig({
  base: '/',
  plugins: [svelte()],
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    watch: false,
  },
});
