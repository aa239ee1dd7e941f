import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    // WEB_BUILD_DIR / KIT_OUT_DIR let several builds of one checkout exist side by side (parallel test runs).
    adapter: adapter({ out: process.env.WEB_BUILD_DIR ?? 'build' }),
    outDir: process.env.KIT_OUT_DIR ?? '.svelte-kit',
    // Hospitals run intranets: nothing from other hosts, no inline script beyond SvelteKit's own (hashed).
    csp: {
      mode: 'hash',
      directives: {
        'default-src': ['self'],
        'script-src': ['self', 'wasm-unsafe-eval'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:', 'blob:'],
        'connect-src': ['self'],
        'frame-ancestors': ['none'],
        'form-action': ['self'],
        'base-uri': ['self'],
        'object-src': ['none'],
      },
    },
  },
};
