// Serves the built app (npm start): one process, one port, the API included.
import { resolve } from 'node:path';

const env = process.env;
env.PORT ??= '3000';
env.DATA_DIR = resolve(env.DATA_DIR ?? 'data');
// Photos of paper protocols are large; each file is still checked against its own limit. The same ceiling as the
// API's (MAX_REQUEST_BYTES): larger bodies are refused before they are read.
env.BODY_SIZE_LIMIT ??= '64M';
// SvelteKit refuses form posts whose Origin differs from this: it must be the address people open.
env.BASE_URL ??= `http://localhost:${env.PORT}`;
env.ORIGIN ??= env.BASE_URL;

await import(new URL(`../${env.WEB_BUILD_DIR ?? 'build'}/index.js`, import.meta.url).href);
console.log(`MedReg on ${env.BASE_URL} (data in ${env.DATA_DIR})`);
