import { router } from '../trpc/init.js';

/** Device files: upload, list, withdraw. */
export const filesRouter = router({});
