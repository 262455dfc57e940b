import { describe, expect, it } from 'vitest';
import type { BookingRow } from '../api/bookings';
import type { Action } from '../api/problems';
import type { SlotRow } from '../types';
import { actionRefs, canRebook, describeAction, type Lookup } from './actions';

const resident = { municipality_code: '431001', ticket_number: '9000000001', birth_date: '1945-01-01' };

const slot = {
  slot_id: 's1',
  venue_name: 'A胃腸科内科医院',
  date: '2021-05-15',
  start_time: '09:00',
  end_time: '09:30',
} as SlotRow;

const booking = {
  booking_id: 'b1',
  ticket_number: '9000000001',
  venue_name: 'A胃腸科内科医院',
  date: '2021-05-01',
  start_time: '09:00',
  end_time: '09:30',
} as BookingRow;

const lookup: Lookup = {
  booking: (id) => (id === 'b1' ? booking : undefined),
  slot: (id) => (id === 's1' ? slot : undefined),
};
const nothing: Lookup = { booking: () => undefined, slot: () => undefined };

describe('describeAction', () => {
  it('describes a booking with its ticket and slot', () => {
    const a: Action = { type: 'book', booking_id: 'x', resident, slot_id: 's1', dose: 1, lease_id: null };
    expect(describeAction(a, lookup).ja).toBe('予約: 接種券番号 9000000001、1回目、2021/05/15 (土) 09:00〜09:30 A胃腸科内科医院');
    expect(describeAction(a, lookup).en).toBe('Booking: ticket 9000000001, dose 1, 2021/05/15 (土) 09:00〜09:30 A胃腸科内科医院');
    expect(describeAction(a, nothing).ja).toBe('予約: 接種券番号 9000000001、1回目');
  });

  it('describes a change from the old time to the new', () => {
    const a: Action = { type: 'change_booking', booking_id: 'b1', new_booking_id: 'b2', slot_id: 's1' };
    expect(describeAction(a, lookup).ja).toBe(
      '予約の変更（後日）: 接種券番号 9000000001、2021/05/01 (土) 09:00〜09:30 → 2021/05/15 (土) 09:00〜09:30',
    );
  });

  it('describes reception work by its booking', () => {
    expect(describeAction({ type: 'check_in', booking_id: 'b1' }, lookup).ja).toBe(
      '受付: 接種券番号 9000000001、2021/05/01 (土) 09:00〜09:30 A胃腸科内科医院',
    );
    expect(describeAction({ type: 'cancel', booking_id: 'gone' }, lookup)).toEqual({ ja: 'キャンセル', en: 'Cancellation' });
    const v: Action = { type: 'record_vaccination', booking_id: 'gone', lot_number: 'FA1234', vaccinated_at: '2021-05-15T01:05:00Z' };
    expect(describeAction(v, lookup).ja).toBe('接種記録: ロット番号 FA1234、接種時刻 10:05');
  });

  it('names what to look up, and what may be rebooked', () => {
    expect(actionRefs({ type: 'change_booking', booking_id: 'b1', new_booking_id: 'b2', slot_id: 's1' })).toEqual({
      bookings: ['b1', 'b2'],
      slots: ['s1'],
    });
    const details = { family_name_kana: 'ヤマダ', given_name_kana: 'タロウ', sex: 'male', phone: '0961234567', email: null, memo: '' } as const;
    expect(actionRefs({ type: 'register_resident', resident, details })).toEqual({ bookings: [], slots: [] });
    expect(canRebook({ type: 'book' })).toBe(true);
    expect(canRebook({ type: 'change_booking' })).toBe(true);
    expect(canRebook({ type: 'check_in' })).toBe(false);
  });
});
