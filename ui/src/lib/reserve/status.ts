// Labels and small decisions about bookings shared by 住民検索, 住民情報 and 予約.

import type { BookingHistory, BookingStatus, SyncState } from '../api/residents';
import { SECOND_DOSE_DAYS, addDays } from './dates';

export type Label = { ja: string; en: string };

const STATUS: Record<BookingStatus, Label> = {
  reserved: { ja: '予約済み', en: 'Reserved' },
  cancelled: { ja: 'キャンセル', en: 'Cancelled' },
  checked_in: { ja: '受付済み', en: 'Checked in' },
  vaccinated: { ja: '接種済み', en: 'Vaccinated' },
  no_show: { ja: '来院なし', en: 'No show' },
};

/** ステータス as the manual names it; an unknown value as it is. */
export function statusLabel(status: string): Label {
  return STATUS[status as BookingStatus] ?? { ja: status, en: status };
}

export type Badge = Label & { tone: 'pending' | 'tentative' | 'problem' };

/** The badge on a row with local work the city server has not settled; none once synced. */
export function syncBadge(state: SyncState | string): Badge | null {
  switch (state) {
    case 'pending':
      return { ja: '未送信', en: 'Not sent', tone: 'pending' };
    case 'tentative':
      return { ja: '仮予約', en: 'Tentative', tone: 'tentative' };
    case 'rejected':
      return { ja: '同期の問題', en: 'Sync problem', tone: 'problem' };
    default:
      return null;
  }
}

/** A booking that holds its dose: not cancelled and not a no-show. */
export function holdsDose(b: Pick<BookingHistory, 'status'>): boolean {
  return b.status === 'reserved' || b.status === 'checked_in' || b.status === 'vaccinated';
}

/** キャンセル and 予約の変更 apply to a booking still to come (予約済み, or 受付済み for a cancel). */
export function mayCancel(b: Pick<BookingHistory, 'status'>): boolean {
  return b.status === 'reserved' || b.status === 'checked_in';
}

export function mayChange(b: Pick<BookingHistory, 'status'>): boolean {
  return b.status === 'reserved';
}

/** 新規予約's dose: the first dose number no booking holds. */
export function nextDose(bookings: readonly Pick<BookingHistory, 'dose' | 'status'>[]): number {
  const held = new Set(bookings.filter(holdsDose).map((b) => b.dose));
  let dose = 1;
  while (held.has(dose)) dose += 1;
  return dose;
}

/** For dose n > 1: the date 3 weeks after the previous dose (same weekday), if that dose is booked. */
export function suggestedDate(
  bookings: readonly Pick<BookingHistory, 'dose' | 'status' | 'date'>[],
  dose: number,
): string | null {
  if (dose < 2) return null;
  const previous = bookings.find((b) => b.dose === dose - 1 && holdsDose(b));
  return previous ? addDays(previous.date, SECOND_DOSE_DAYS) : null;
}
