import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  server: { port: Number(process.env.PORT ?? 3000) },
  // Native and file-reading packages stay external (STACK.md).
  ssr: { external: ['better-sqlite3', 'pg', 'sharp', 'pdfkit', 'qrcode', 'dejavu-fonts-ttf', 'better-auth'] },
});
