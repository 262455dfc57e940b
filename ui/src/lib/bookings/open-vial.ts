// ★ 残液の案内: when the residents offered an open vial's last doses should come. The city wants
// at least 30 minutes to reach them; the form starts 45 minutes on, at a round five minutes.

import { addDays } from '../reserve/dates';
import { todayInTokyo, tokyoDateTime } from '../format';

const STEP_MS = 5 * 60 * 1000;
const LEAD_MS = 45 * 60 * 1000;

/** 'HH:MM' in Tokyo, 45 minutes after `now` rounded up to five minutes. */
export function defaultComeTime(now: Date = new Date()): string {
  const at = new Date(Math.ceil((now.getTime() + LEAD_MS) / STEP_MS) * STEP_MS);
  return tokyoDateTime(at.toISOString())?.time ?? '';
}

/** The instant of `time` ('HH:MM', Tokyo) on `date`, or on the next day when that has passed
 *  (an evening clinic offering after midnight's turn); null for a time that cannot be read. */
export function comeInstant(date: string, time: string, now: Date = new Date()): string | null {
  if (!/^\d{2}:\d{2}$/.test(time)) return null;
  const on = (day: string) => `${day}T${time}:00+09:00`;
  const today = on(date);
  const ms = Date.parse(today);
  if (Number.isNaN(ms)) return null;
  return ms > now.getTime() || date !== todayInTokyo(now) ? today : on(addDays(date, 1));
}
