import { describe, expect, it } from 'vitest';
import type { SameDayCheck } from '../api/bookings';
import type { SlotRow } from '../types';
import { doseCell, vialTable } from './sameDay';

function slot(start: string, end: string): SlotRow {
  return {
    slot_id: `s-${start}`,
    venue_id: 'v',
    venue_number: 1,
    venue_name: 'A胃腸科内科医院',
    vaccine_code: 'pfizer',
    vaccine_name: 'ファイザー社ワクチン',
    slot_name: '',
    date: '2021-05-15',
    start_time: start,
    end_time: end,
    visibility: 'public',
    capacity: 1,
    booked: 1,
    remaining: 0,
  };
}

// The manual's example (3-2 ②): one dose an hour from 10:00 to 15:00, the 10:00 booking moves
// to 15:00. One vial diluted at 10:00 serves the day either way.
const manualExample: SameDayCheck = {
  feasible: true,
  from: slot('10:00', '10:30'),
  to: slot('15:00', '15:30'),
  table: ['10', '11', '12', '13', '14', '15'].map((h) => ({
    start_time: `${h}:00`,
    end_time: `${h}:30`,
    before: 1,
    after: h === '10' ? 0 : h === '15' ? 2 : 1,
  })),
  before: { total_doses: 6, vial_count: 1, wasted: 0, vials: [{ diluted_at: '10:00', use_by: '16:00', doses: 6 }] },
  after: { total_doses: 6, vial_count: 1, wasted: 0, vials: [{ diluted_at: '10:00', use_by: '16:00', doses: 6 }] },
  reasons: [],
  fill: null,
  alternatives: [],
  exceeds_capacity: true,
};

describe('vialTable', () => {
  it("shapes the manual's 10:00 → 15:00 example", () => {
    const t = vialTable(manualExample);
    expect(t.rows.map((r) => [r.start_time, doseCell(r)])).toEqual([
      ['10:00', '1→0'],
      ['11:00', '1'],
      ['12:00', '1'],
      ['13:00', '1'],
      ['14:00', '1'],
      ['15:00', '1→2'],
    ]);
    expect(t.rows[0]).toMatchObject({ isFrom: true, isTo: false, changed: true, time: '10:00〜10:30' });
    expect(t.rows[5]).toMatchObject({ isFrom: false, isTo: true, changed: true });
    expect(t.rows[2]).toMatchObject({ isFrom: false, isTo: false, changed: false });
    expect(t.before).toEqual({ totalDoses: 6, vials: 1, wasted: 0, wholeVials: true, windows: [{ time: '10:00〜16:00', doses: 6 }] });
    expect(t.after.totalDoses).toBe(6);
  });

  it('marks waste after the change', () => {
    const t = vialTable({
      ...manualExample,
      feasible: false,
      after: { total_doses: 6, vial_count: 2, wasted: 6, vials: [
        { diluted_at: '09:00', use_by: '15:00', doses: 5 },
        { diluted_at: '15:00', use_by: '21:00', doses: 1 },
      ] },
    });
    expect(t.after).toMatchObject({ vials: 2, wasted: 6, wholeVials: false });
    expect(t.after.windows.map((w) => w.time)).toEqual(['09:00〜15:00', '15:00〜21:00']);
  });
});

describe('doseCell', () => {
  it('shows a count, or before→after', () => {
    expect(doseCell({ before: 3, after: 3 })).toBe('3');
    expect(doseCell({ before: 0, after: 1 })).toBe('0→1');
  });
});
