// Labels and small decisions about bookings shared by 住民検索, 住民情報 and 予約.

import type { BookingHistory, SyncState } from '../api/residents';
import { syncStateLabel, type Words } from '../bookings/labels';
import { SECOND_DOSE_DAYS, addDays } from './dates';

/** ステータス as the manual names it; one wording for every screen. */
export { statusLabel } from '../bookings/labels';

export type Badge = Words & { tone: 'pending' | 'tentative' | 'problem' };

const TONE: Record<string, Badge['tone']> = { pending: 'pending', tentative: 'tentative', rejected: 'problem' };

/** The badge on a row with local work the city server has not settled; none once synced. */
export function syncBadge(state: SyncState | string): Badge | null {
  if (state === 'synced') return null;
  return { ...syncStateLabel(state), tone: TONE[state] ?? 'pending' };
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
