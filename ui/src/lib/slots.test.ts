import { describe, expect, it } from 'vitest';
import { groupSlotsByDate, sameSlots } from './slots';
import type { SlotRow } from './types';

function slot(slot_id: string, date: string, start_time: string, visibility: SlotRow['visibility'] = 'public'): SlotRow {
  return {
    slot_id,
    venue_id: 'v1',
    venue_number: 1,
    venue_name: 'A胃腸科内科医院',
    vaccine_code: 'pfizer',
    vaccine_name: 'ファイザー社ワクチン',
    slot_name: '',
    date,
    start_time,
    end_time: start_time,
    visibility,
    capacity: 6,
    booked: 3,
    remaining: 3,
  };
}

describe('groupSlotsByDate', () => {
  it('makes one group per date, in order, keeping row order inside a group', () => {
    const rows = [
      slot('a', '2026-11-23', '09:00'),
      slot('b', '2026-11-23', '09:30', 'private'),
      slot('c', '2026-11-24', '09:00'),
      slot('d', '2026-11-30', '10:00'),
      slot('e', '2026-11-30', '10:30'),
    ];
    const groups = groupSlotsByDate(rows);
    expect(groups.map((g) => g.date)).toEqual(['2026-11-23', '2026-11-24', '2026-11-30']);
    expect(groups.map((g) => g.slots.map((s) => s.slot_id))).toEqual([['a', 'b'], ['c'], ['d', 'e']]);
  });

  it('puts rows of one date together even if they arrive apart', () => {
    const groups = groupSlotsByDate([slot('a', '2026-11-23', '09:00'), slot('b', '2026-11-24', '09:00'), slot('c', '2026-11-23', '10:00')]);
    expect(groups.map((g) => [g.date, g.slots.map((s) => s.slot_id)])).toEqual([
      ['2026-11-23', ['a', 'c']],
      ['2026-11-24', ['b']],
    ]);
  });

  it('returns no groups for no rows', () => {
    expect(groupSlotsByDate([])).toEqual([]);
  });

  it('loses and duplicates nothing across many rows', () => {
    const rows: SlotRow[] = [];
    for (let day = 1; day <= 30; day++) {
      for (let i = 0; i < 100; i++) rows.push(slot(`${day}-${i}`, `2026-11-${String(day).padStart(2, '0')}`, '09:00'));
    }
    const groups = groupSlotsByDate(rows);
    expect(groups).toHaveLength(30);
    expect(groups.every((g) => g.slots.length === 100 && g.slots.every((s) => s.date === g.date))).toBe(true);
  });
});

describe('sameSlots', () => {
  it('is true for equal reads and false when anything shown changes', () => {
    const a = [slot('a', '2026-11-23', '09:00'), slot('b', '2026-11-23', '09:30')];
    const copy = a.map((s) => ({ ...s }));
    expect(sameSlots(a, copy)).toBe(true);
    expect(sameSlots(a, copy.slice(1))).toBe(false);
    expect(sameSlots(a, [copy[1]!, copy[0]!])).toBe(false);
    expect(sameSlots(a, [copy[0]!, { ...copy[1]!, remaining: 2 }])).toBe(false);
    expect(sameSlots(a, [copy[0]!, { ...copy[1]!, visibility: 'private' }])).toBe(false);
    expect(sameSlots([], [])).toBe(true);
  });
});
