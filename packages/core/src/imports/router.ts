import { router } from '../trpc/init.js';

/** CSV import of devices: mapping, dry run, all-or-nothing run with progress. */
export const importsRouter = router({});
