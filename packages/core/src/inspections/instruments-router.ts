import { z } from 'zod';
import { allow, router } from '../trpc/init.js';
import { today } from './due.js';
import { createInstrument, instrumentInput, listInstruments, retireInstrument, updateInstrument, updateInstrumentInput } from './instruments.server.js';

const staff = () => allow('technician', 'manager', 'admin');

/** The test instruments register (Prüfgeräte): who measures keeps it. */
export const instrumentsRouter = router({
  list: staff().query(({ ctx }) => listInstruments(ctx.services.db, today(ctx.services.now()))),

  create: staff()
    .input(instrumentInput)
    .mutation(({ ctx, input }) => createInstrument(ctx.services, input)),

  update: staff()
    .input(updateInstrumentInput)
    .mutation(({ ctx, input }) => updateInstrument(ctx.services, input)),

  retire: staff()
    .input(z.object({ id: z.string({ error: 'errors.notFound' }).min(1).max(64) }))
    .mutation(({ ctx, input }) => retireInstrument(ctx.services, input.id)),
});
