/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// yoyaku-city serves dist/ (the residents' page at /, the consoles at /call-center/ and /city/) under a strict CSP (script-src 'self', style-src 'self'): every
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
    // Each page its own styles: the console is denser than the residents' page.
    cssCodeSplit: true,
    modulePreload: { polyfill: false },
    sourcemap: false,
    // The residents' page at /, the call center's console at /call-center/, the city's at /city/.
    rollupOptions: {
      input: {
        residents: 'index.html',
        callCenter: 'call-center/index.html',
        city: 'city/index.html',
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    watch: false,
  },
});
