import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

const engine = process.env.ENGINE_URL ?? 'http://127.0.0.1:7860';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    proxy: {
      '/api': engine,
      '/ws': { target: engine.replace(/^http/, 'ws'), ws: true },
    },
  },
});
