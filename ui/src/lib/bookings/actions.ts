// 同期の問題: what the receptionist did, in words, from the Action as it was sent and what the
// cache still knows about its booking and slot.
import type { BookingRow } from '../api/bookings';
import type { Action, ActionType } from '../api/problems';
import type { SlotRow } from '../types';
import type { Words } from './labels';
import { formatSlotWhen, tokyoDateTime } from './time';

const TITLES: Record<ActionType, Words> = {
  register_resident: { ja: '住民情報登録', en: 'Resident registration' },
  book: { ja: '予約', en: 'Booking' },
  cancel: { ja: 'キャンセル', en: 'Cancellation' },
  change_booking: { ja: '予約の変更（後日）', en: 'Change to another day' },
  same_day_move: { ja: '当日内の時間変更', en: 'Time change on the day' },
  check_in: { ja: '受付', en: 'Check-in' },
  record_vaccination: { ja: '接種記録', en: 'Vaccination record' },
  mark_no_show: { ja: '来院なし', en: 'No-show' },
};

export function actionTitle(action: Pick<Action, 'type'>): Words {
  return TITLES[action.type] ?? { ja: action.type, en: action.type };
}

export type Lookup = {
  booking: (id: string) => BookingRow | undefined;
  slot: (id: string) => SlotRow | undefined;
};

const ticket = (t: string): Words => ({ ja: `接種券番号 ${t}`, en: `ticket ${t}` });
const same = (s: string): Words => ({ ja: s, en: s });
const where = (s: { date: string; start_time: string; end_time: string; venue_name: string }) =>
  same(`${formatSlotWhen(s)} ${s.venue_name}`);

/** The booking ids and slot ids an action names, to look them up in the cache. */
export function actionRefs(action: Action): { bookings: string[]; slots: string[] } {
  const bookings = 'booking_id' in action ? [action.booking_id] : [];
  if (action.type === 'change_booking') bookings.push(action.new_booking_id);
  const slots = 'slot_id' in action ? [action.slot_id] : [];
  return { bookings, slots };
}

/** 「予約: 接種券番号 9000000001、2021/05/15 (土) 09:00〜09:30 A胃腸科内科医院」 */
export function describeAction(action: Action, lookup: Lookup): Words {
  const parts: Words[] = [];
  const booking = 'booking_id' in action ? lookup.booking(action.booking_id) : undefined;
  const slot = 'slot_id' in action ? lookup.slot(action.slot_id) : undefined;
  switch (action.type) {
    case 'register_resident':
      parts.push(ticket(action.resident.ticket_number));
      break;
    case 'book':
      parts.push(ticket(action.resident.ticket_number), { ja: `${action.dose}回目`, en: `dose ${action.dose}` });
      if (slot) parts.push(where(slot));
      break;
    case 'change_booking':
    case 'same_day_move': {
      // After a same-day move the cached booking is already in the new slot: name only the target.
      const from = action.type === 'change_booking' && booking ? formatSlotWhen(booking) : null;
      if (booking) parts.push(ticket(booking.ticket_number));
      if (slot) parts.push(same(from ? `${from} → ${formatSlotWhen(slot)}` : `→ ${formatSlotWhen(slot)}`));
      break;
    }
    case 'record_vaccination': {
      if (booking) parts.push(ticket(booking.ticket_number), where(booking));
      parts.push({ ja: `ロット番号 ${action.lot_number}`, en: `lot ${action.lot_number}` });
      const at = tokyoDateTime(action.vaccinated_at);
      if (at) parts.push({ ja: `接種時刻 ${at.time}`, en: `given at ${at.time}` });
      break;
    }
    case 'cancel':
    case 'check_in':
    case 'mark_no_show':
      if (booking) parts.push(ticket(booking.ticket_number), where(booking));
      break;
  }
  const title = actionTitle(action);
  if (parts.length === 0) return title;
  return {
    ja: `${title.ja}: ${parts.map((p) => p.ja).join('、')}`,
    en: `${title.en}: ${parts.map((p) => p.en).join(', ')}`,
  };
}

/** A refused booking can go to another slot; other actions can only be sent again or dropped. */
export function canRebook(action: Pick<Action, 'type'>): boolean {
  return action.type === 'book' || action.type === 'change_booking';
}
