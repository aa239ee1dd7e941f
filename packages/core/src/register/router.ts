import { router } from '../trpc/init.js';

/** Register management: devices, models, manufacturers, locations, edit history. */
export const registerRouter = router({});
