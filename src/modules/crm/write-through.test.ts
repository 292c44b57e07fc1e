import { describe, expect, it } from 'vitest';
import type { ColumnSpec } from './entity-versions.repo.js';
import { confirmSent, markSent, mergeRemoteVersion, recordLocalEdit, toSyncStateView, type LocalChanges } from './write-through.js';

const columns: Record<string, ColumnSpec> = {
  first_name: { type: 'text' },
  last_name: { type: 'text' },
  phone: { type: 'text' },
  tags: { type: 'text[]' },
  start_time: { type: 'timestamptz' },
  custom_fields: { type: 'jsonb' },
};
const at = (iso: string) => new Date(iso);

describe('recordLocalEdit', () => {
  it('records only changed columns, keeps the first base, and forgets an edit back to GHL’s value', () => {
    const stored = { first_name: 'Ada', last_name: 'Lovelace', tags: ['a'], start_time: new Date('2030-01-01T10:00:00Z') };
    const first = recordLocalEdit(columns, {}, stored, { first_name: 'Augusta', last_name: 'Lovelace', tags: ['a'], start_time: '2030-01-01T10:00:00.000Z' }, at('2030-01-01T00:00:00Z'));
    expect(first.changedColumns).toEqual(['first_name']);
    expect(first.changes).toEqual({ first_name: { value: 'Augusta', base: 'Ada', at: '2030-01-01T00:00:00.000Z' } });
    const second = recordLocalEdit(columns, first.changes, { ...stored, first_name: 'Augusta' }, { first_name: 'Ava' }, at('2030-01-01T00:01:00Z'));
    expect(second.changes['first_name']).toMatchObject({ value: 'Ava', base: 'Ada', at: '2030-01-01T00:01:00.000Z' });
    const back = recordLocalEdit(columns, second.changes, { ...stored, first_name: 'Ava' }, { first_name: 'Ada' }, at('2030-01-01T00:02:00Z'));
    expect(back.changes).toEqual({});
  });
});

describe('push confirmation', () => {
  it('clears what GHL confirmed and keeps a column edited again while the push was in flight', () => {
    const changes: LocalChanges = { first_name: { value: 'Augusta', base: 'Ada', at: '2030-01-01T00:00:00.000Z' }, phone: { value: '+1', base: null, at: '2030-01-01T00:00:00.000Z' } };
    const { changes: marked, sent } = markSent(changes);
    expect(sent).toEqual({ first_name: 'Augusta', phone: '+1' });
    const editedAgain = { ...marked, phone: { ...(marked['phone'] as LocalChanges[string]), value: '+2' } };
    expect(confirmSent(columns, editedAgain, sent)).toEqual({ phone: { value: '+2', base: '+1', at: '2030-01-01T00:00:00.000Z' } });
  });
});

describe('mergeRemoteVersion', () => {
  const local: LocalChanges = {
    first_name: { value: 'Augusta', base: 'Ada', at: '2030-01-01T00:00:10.000Z' },
    last_name: { value: 'Local', base: 'Lovelace', at: '2030-01-01T00:00:10.000Z' },
    phone: { value: '+2', base: '+1', at: '2030-01-01T00:00:10.000Z', sent: '+2' },
  };
  const stored = { first_name: 'Augusta', last_name: 'Local', phone: '+2', tags: ['a'], start_time: null, custom_fields: [] };

  it('takes GHL’s value where only GHL changed, keeps ours where only we did, and recognises our own push', () => {
    const outcome = mergeRemoteVersion(columns, stored, local, {
      values: { first_name: 'Ada', last_name: 'Lovelace', phone: '+2', tags: ['a', 'b'], start_time: null, custom_fields: [] },
      changedAt: at('2030-01-01T00:00:20Z'),
    });
    expect(outcome.values).toMatchObject({ first_name: 'Augusta', last_name: 'Local', phone: '+2', tags: ['a', 'b'] });
    // phone: GHL has our value now, nothing left to push; the names are still ours to push.
    expect(Object.keys(outcome.changes).sort()).toEqual(['first_name', 'last_name']);
    expect(outcome.foreignColumns).toEqual(['tags']);
    expect(outcome.conflicts).toEqual([]);
  });

  it('lets the newer change win a column both sides changed', () => {
    const newer = mergeRemoteVersion(columns, stored, local, { values: { ...stored, first_name: 'Ada', last_name: 'Remote', phone: '+1' }, changedAt: at('2030-01-01T00:00:20Z') });
    expect(newer.values['last_name']).toBe('Remote');
    expect(newer.changes['last_name']).toBeUndefined();
    expect(newer.conflicts).toEqual([{ column: 'last_name', winner: 'ghl' }]);
    const older = mergeRemoteVersion(columns, stored, local, { values: { ...stored, first_name: 'Ada', last_name: 'Remote', phone: '+1' }, changedAt: at('2030-01-01T00:00:05Z') });
    expect(older.values['last_name']).toBe('Local');
    expect(older.changes['last_name']).toMatchObject({ value: 'Local', base: 'Remote' });
    expect(older.conflicts).toEqual([{ column: 'last_name', winner: 'local' }]);
  });

  it('compares values whatever the driver returned (Date or text, jsonb key order)', () => {
    const edits: LocalChanges = { start_time: { value: '2030-01-01T10:00:00.000Z', base: null, at: '2030-01-01T00:00:00.000Z' }, custom_fields: { value: [{ id: 'f', value: 1 }], base: [], at: '2030-01-01T00:00:00.000Z' } };
    const outcome = mergeRemoteVersion(columns, {}, edits, { values: { start_time: new Date('2030-01-01T10:00:00Z'), custom_fields: [{ value: 1, id: 'f' }] }, changedAt: at('2030-01-01T00:00:01Z') });
    expect(outcome.changes).toEqual({});
    expect(outcome.foreignColumns).toEqual([]);
  });
});

describe('toSyncStateView', () => {
  it('names pending fields in API spelling and shows a refused push as failed', () => {
    const names = { first_name: 'firstName' };
    expect(toSyncStateView({ localChanges: { first_name: { value: 'x' }, _deleted: { value: true } }, pushError: null, lastPushedAt: null }, names)).toEqual({
      state: 'pending',
      pendingFields: ['deleted', 'firstName'],
      error: null,
      lastPushedAt: null,
    });
    expect(toSyncStateView({ localChanges: {}, pushError: 'GHL answered 400', lastPushedAt: '2030-01-01T00:00:00Z' }, names)).toMatchObject({ state: 'failed', error: 'GHL answered 400' });
  });
});
