// 後日への変更 (manual 3-2 ①): the days with slots to choose from, and the slots of a day.
import type { SlotRow } from '../types';

export type DayChoice = {
  date: string;
  /** Seats left in the day's 公開枠 and 非公開枠. */
  publicRemaining: number;
  privateRemaining: number;
  remaining: number;
  slots: SlotRow[];
};

/** The days of `slots` (already in date order) other than `exceptDate`, each with its seats. */
export function dayChoices(slots: readonly SlotRow[], exceptDate: string): DayChoice[] {
  const days: DayChoice[] = [];
  let day: DayChoice | undefined;
  for (const slot of slots) {
    if (slot.date === exceptDate) continue;
    if (!day || day.date !== slot.date) {
      day = { date: slot.date, publicRemaining: 0, privateRemaining: 0, remaining: 0, slots: [] };
      days.push(day);
    }
    const left = Math.max(slot.remaining, 0);
    if (slot.visibility === 'private') day.privateRemaining += left;
    else day.publicRemaining += left;
    day.remaining += left;
    day.slots.push(slot);
  }
  return days;
}

/**
 * The manual (2-1 ⑫): 医療機関では非公開枠が埋まってから、公開枠に予約を入れてください. True when
 * `slot` is a 公開枠 and a 非公開枠 at the same time still has seats.
 */
export function privateFirst(slot: SlotRow, sameDay: readonly SlotRow[]): boolean {
  if (slot.visibility !== 'public') return false;
  return sameDay.some(
    (s) =>
      s.visibility === 'private' &&
      s.remaining > 0 &&
      s.date === slot.date &&
      s.start_time === slot.start_time &&
      s.end_time === slot.end_time,
  );
}

/** Drops today's slots that have ended by `nowTime` ('HH:MM'): they can no longer be booked. */
export function upcoming(slots: readonly SlotRow[], today: string, nowTime: string): SlotRow[] {
  return slots.filter((s) => s.date > today || (s.date === today && s.end_time > nowTime));
}
