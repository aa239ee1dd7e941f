import { afterAll, beforeAll } from 'vitest';
import { specFile } from './harness.js';

// Run before each spec file (vitest's setupFiles, also with isolate: false), so each file's hooks are its own.
beforeAll(() => specFile.begin());
afterAll(() => specFile.end());
