import { router } from '../trpc/init.js';

/** Data of the register and logbook PDFs. */
export const reportsRouter = router({});
