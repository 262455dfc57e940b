import { describe, expect, it } from 'vitest';
import type { SlotRow } from '../types';
import { dayChoices, privateFirst, upcoming } from './days';

function slot(id: string, date: string, start: string, visibility: 'public' | 'private', remaining: number): SlotRow {
  return {
    slot_id: id,
    venue_id: 'v',
    venue_number: 1,
    venue_name: 'A',
    vaccine_code: 'pfizer',
    vaccine_name: 'ファイザー社ワクチン',
    slot_name: '',
    date,
    start_time: start,
    end_time: start.replace(':00', ':30'),
    visibility,
    capacity: 5,
    booked: 5 - remaining,
    remaining,
  };
}

const slots = [
  slot('a', '2021-05-15', '09:00', 'public', 2),
  slot('b', '2021-05-19', '09:00', 'public', 3),
  slot('c', '2021-05-19', '09:00', 'private', 1),
  slot('d', '2021-05-19', '10:00', 'public', 0),
  slot('e', '2021-05-20', '09:00', 'private', 4),
];

describe('dayChoices', () => {
  it("groups the other days' slots with their seats", () => {
    const days = dayChoices(slots, '2021-05-15');
    expect(days.map((d) => [d.date, d.publicRemaining, d.privateRemaining, d.remaining, d.slots.length])).toEqual([
      ['2021-05-19', 3, 1, 4, 3],
      ['2021-05-20', 0, 4, 4, 1],
    ]);
  });
});

describe('privateFirst', () => {
  it('warns on a 公開枠 while a 非公開枠 at the same time has seats', () => {
    expect(privateFirst(slots[1]!, slots)).toBe(true);
    expect(privateFirst(slots[2]!, slots)).toBe(false);
    expect(privateFirst(slots[3]!, slots)).toBe(false);
  });
});

describe('upcoming', () => {
  it("drops today's slots that have ended", () => {
    expect(upcoming(slots, '2021-05-19', '09:30').map((s) => s.slot_id)).toEqual(['d', 'e']);
    expect(upcoming(slots, '2021-05-19', '09:29').map((s) => s.slot_id)).toEqual(['b', 'c', 'd', 'e']);
  });
});
