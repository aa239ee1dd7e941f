import { z } from 'zod';
import { allow, router } from '../trpc/init.js';
import { accessLogFilters, readAccessLog } from './access-log.server.js';
import { findPeople, personId, personOverview, pseudonymiseInput, pseudonymisePerson } from './personal-data.server.js';

const admins = () => allow('admin');

/** Personal data (GDPR), for administrators: find a person, pseudonymise a departed one, read the access log. */
export const privacyRouter = router({
  people: admins()
    .input(z.object({ q: z.string().trim().max(200, { error: 'errors.tooLong' }).default('') }))
    .query(({ ctx, input }) => findPeople(ctx.services, ctx.user, input.q)),

  person: admins()
    .input(z.object({ personId }))
    .query(({ ctx, input }) => personOverview(ctx.services, ctx.user, input.personId)),

  /** Irreversible: the form sends the person's e-mail address typed by the admin as confirmation. */
  pseudonymise: admins()
    .input(pseudonymiseInput)
    .mutation(({ ctx, input }) => pseudonymisePerson(ctx.services, ctx.user, input)),

  accessLog: admins()
    .input(accessLogFilters)
    .query(({ ctx, input }) => readAccessLog(ctx.services.db, input)),
});
