import { allow, ownAccount, publicProcedure, router } from '../trpc/init.js';
import { blockUser, getUser, idInput, inviteInput, inviteUser, listInput, listUsers, resetPassword, unblockUser, updateInput, updateUser, departmentChoices } from './admin.server.js';
import { changeOwnPassword, changePasswordInput } from './passwords.server.js';
import { endAllSessions } from './idle-sessions.server.js';

const admin = () => allow('admin');

export const usersRouter = router({
  /** The signed-in user, or null. */
  me: publicProcedure.query(({ ctx }) => ctx.user),
  /** Change one's own password (current + new twice); the rules are in password-rules.ts. */
  changePassword: ownAccount()
    .input(changePasswordInput)
    .mutation(async ({ ctx, input }) => {
      await changeOwnPassword(ctx.services, ctx.user, input);
      return { ok: true as const };
    }),
  /** "Sign out everywhere": ends every session of the signed-in user, this one included. */
  signOutEverywhere: ownAccount().mutation(async ({ ctx }) => ({ ended: await endAllSessions(ctx.services, ctx.user.id) })),

  // Administrators: user management.
  list: admin().input(listInput).query(({ ctx, input }) => listUsers(ctx.services, ctx.user, input)),
  get: admin().input(idInput).query(({ ctx, input }) => getUser(ctx.services, ctx.user, input.id)),
  departments: admin().query(({ ctx }) => departmentChoices(ctx.services)),
  invite: admin().input(inviteInput).mutation(({ ctx, input }) => inviteUser(ctx.services, ctx.user, input)),
  update: admin()
    .input(updateInput)
    .mutation(async ({ ctx, input }) => {
      await updateUser(ctx.services, ctx.user, input);
      return { ok: true as const };
    }),
  resetPassword: admin()
    .input(idInput)
    .mutation(({ ctx, input }) => resetPassword(ctx.services, ctx.user, input.id)),
  block: admin()
    .input(idInput)
    .mutation(async ({ ctx, input }) => {
      await blockUser(ctx.services, ctx.user, input.id);
      return { ok: true as const };
    }),
  unblock: admin()
    .input(idInput)
    .mutation(async ({ ctx, input }) => {
      await unblockUser(ctx.services, ctx.user, input.id);
      return { ok: true as const };
    }),
});
