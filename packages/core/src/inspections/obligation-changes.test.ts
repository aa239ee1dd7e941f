import { describe, expect, it } from 'vitest';
import { type ObligationRow, obligationChanges } from './obligation-changes.js';

const row = (device: string, type: string, over: Partial<ObligationRow> = {}): ObligationRow => ({
  device_id: device,
  inspection_type_id: type,
  site_id: 's1',
  department_id: 'w1',
  interval_months: 12,
  due_on: '2027-01-31',
  last_entry_id: 'e1',
  last_on: '2026-01-15',
  last_result: 'passed',
  failed: 0,
  ...over,
});

describe('obligationChanges', () => {
  it.each([
    {
      case: 'nothing changed: nothing is written',
      ids: ['d1'],
      stored: [row('d1', 'stk'), row('d1', 'el')],
      wanted: [row('d1', 'stk'), row('d1', 'el')],
      expected: { clearDevices: [], deletes: [], updates: [], inserts: [] },
    },
    {
      case: 'an inspection moves one obligation: only its changed columns',
      ids: ['d1'],
      stored: [row('d1', 'stk'), row('d1', 'el')],
      wanted: [row('d1', 'stk'), row('d1', 'el', { due_on: '2027-12-31', last_entry_id: 'e2', last_on: '2026-12-07' })],
      expected: { clearDevices: [], deletes: [], updates: [{ device_id: 'd1', inspection_type_id: 'el', set: { due_on: '2027-12-31', last_entry_id: 'e2', last_on: '2026-12-07' } }], inserts: [] },
    },
    {
      case: 'a failed inspection sets failed and the result, the due date stays',
      ids: ['d1'],
      stored: [row('d1', 'el')],
      wanted: [row('d1', 'el', { last_entry_id: 'e2', last_result: 'failed', failed: 1 })],
      expected: { clearDevices: [], deletes: [], updates: [{ device_id: 'd1', inspection_type_id: 'el', set: { last_entry_id: 'e2', last_result: 'failed', failed: 1 } }], inserts: [] },
    },
    {
      case: 'a move to another ward changes site and ward of every row',
      ids: ['d1'],
      stored: [row('d1', 'stk')],
      wanted: [row('d1', 'stk', { site_id: 's2', department_id: null })],
      expected: { clearDevices: [], deletes: [], updates: [{ device_id: 'd1', inspection_type_id: 'stk', set: { site_id: 's2', department_id: null } }], inserts: [] },
    },
    {
      case: 'a type assigned and another unassigned',
      ids: ['d1'],
      stored: [row('d1', 'stk'), row('d1', 'el')],
      wanted: [row('d1', 'stk'), row('d1', 'mtk')],
      expected: { clearDevices: [], deletes: [{ device_id: 'd1', inspection_type_id: 'el' }], updates: [], inserts: [row('d1', 'mtk')] },
    },
    {
      case: 'a decommissioned device loses all its rows in one delete',
      ids: ['d1', 'd2'],
      stored: [row('d1', 'stk'), row('d1', 'el'), row('d2', 'stk')],
      wanted: [row('d2', 'stk')],
      expected: { clearDevices: ['d1'], deletes: [], updates: [], inserts: [] },
    },
    {
      case: 'a new device: inserts only; a device without rows and without obligations: nothing',
      ids: ['d1', 'd2'],
      stored: [],
      wanted: [row('d1', 'stk')],
      expected: { clearDevices: [], deletes: [], updates: [], inserts: [row('d1', 'stk')] },
    },
    {
      case: 'PostgreSQL hands back numbers where the new row has them too: the same value is no change',
      ids: ['d1'],
      stored: [row('d1', 'stk', { interval_months: 24, last_entry_id: null, last_on: null, last_result: null })],
      wanted: [row('d1', 'stk', { interval_months: 24, last_entry_id: null, last_on: null, last_result: null })],
      expected: { clearDevices: [], deletes: [], updates: [], inserts: [] },
    },
  ])('$case', ({ ids, stored, wanted, expected }) => {
    expect(obligationChanges(ids, stored, wanted)).toEqual(expected);
  });

  it('tells null from an empty value', () => {
    const changes = obligationChanges(['d1'], [row('d1', 'stk', { department_id: null })], [row('d1', 'stk', { department_id: '' })]);
    expect(changes.updates).toEqual([{ device_id: 'd1', inspection_type_id: 'stk', set: { department_id: '' } }]);
  });
});
