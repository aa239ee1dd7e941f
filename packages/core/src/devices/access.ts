import type { ExpressionBuilder } from 'kysely';
import type { Database } from '@medreg/db';
import type { SessionUser } from '../context.js';

/** What decides which devices a user sees. */
export type Viewer = Pick<SessionUser, 'role' | 'departmentIds'>;

/** Nurses see the devices of their departments only; technicians, managers and admins see all. */
export function canSeeAllDevices(user: Viewer): boolean {
  return user.role !== 'nurse';
}

/** A where-clause limiting `devices` to what the user may see. */
export function visibleTo(user: Viewer) {
  return (eb: ExpressionBuilder<Database, 'devices'>) => {
    if (canSeeAllDevices(user)) return eb.lit(true);
    if (user.departmentIds.length === 0) return eb.lit(false);
    return eb('devices.department_id', 'in', user.departmentIds);
  };
}
