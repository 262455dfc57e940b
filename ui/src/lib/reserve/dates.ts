// Calendar arithmetic on 'YYYY-MM-DD' dates (Asia/Tokyo calendar days; no clock involved) and the
// 接種予約 calendar's weeks.

import { monthLabelEn, parseIsoDate, weekdayLabel } from '../format';
import { tr } from '../i18n.svelte';

/** The standard gap between dose 1 and dose 2 of the Pfizer vaccine: 3週間後の同じ曜日. */
export const SECOND_DOSE_DAYS = 21;

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `date` plus `days` (negative goes back); the input as it is if it is not a date. */
export function addDays(date: string, days: number): string {
  const p = parseIsoDate(date);
  if (!p) return date;
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day + days));
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** The date of dose 2 for a dose 1 on `firstDate`: 21 days later, always the same weekday. */
export function secondDoseDate(firstDate: string, days: number = SECOND_DOSE_DAYS): string {
  return addDays(firstDate, days);
}

/** Year, month and day as 'YYYY-MM-DD' when they make a calendar date. */
function isoDate(year: number, month: number, day: number): string | null {
  const d = new Date(Date.UTC(year, month - 1, day));
  const ok = d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
  return ok ? `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}` : null;
}

/**
 * 予約日 typed as a month and day alone (12/7, 12月7日, full-width too) → the next such day from
 * `today`, 'YYYY-MM-DD'. Null otherwise: a whole date (2026/12/7, R8.12.7) is yoyaku-core's to
 * read (`datesApi.read`).
 */
export function readMonthDay(input: string, today: string): string | null {
  const md = /^(\d{1,2})[/.\-月](\d{1,2})日?$/.exec(input.normalize('NFKC').replace(/\s/g, ''));
  if (!md) return null;
  const year = Number(today.slice(0, 4));
  return (
    [year, year + 1]
      .map((y) => isoDate(y, Number(md[1]), Number(md[2])))
      .find((d): d is string => d !== null && d >= today) ?? null
  );
}

/** 0 = 日 … 6 = 土; -1 if not a date. */
export function weekday(date: string): number {
  return parseIsoDate(date)?.weekday ?? -1;
}

/** '2021-05-06' → '2021年5月6日(木)', as the manual writes 予約日時. */
export function formatLongDate(date: string): string {
  const p = parseIsoDate(date);
  if (!p) return date;
  return tr(`${p.year}年${p.month}月${p.day}日(${weekdayLabel(p.weekday)})`, `${weekdayLabel(p.weekday)} ${p.day} ${monthLabelEn(p.month)} ${p.year}`);
}

/** One day of the `slot_calendar` view: a venue's seats for a vaccine on a date. */
export type CalendarRow = {
  venue_id: string;
  vaccine_code: string;
  date: string;
  public_remaining: number;
  private_remaining: number;
  remaining: number;
  capacity: number;
  slot_count: number;
};

export type CalendarCell = {
  date: string;
  /** Before `today`: shown, not choosable. */
  past: boolean;
  /** The day's seats; null when the venue has no slot for the vaccine that day. */
  row: CalendarRow | null;
};

/**
 * `weeks` calendar weeks, Sunday first (as Japanese calendars print), from the week holding
 * `today`, with the rows of the chosen venue and vaccine placed on their days.
 */
export function calendarWeeks(rows: readonly CalendarRow[], today: string, weeks: number): CalendarCell[][] {
  const byDate = new Map(rows.map((r) => [r.date, r]));
  const first = addDays(today, -Math.max(weekday(today), 0));
  const result: CalendarCell[][] = [];
  for (let w = 0; w < weeks; w++) {
    const week: CalendarCell[] = [];
    for (let d = 0; d < 7; d++) {
      const date = addDays(first, w * 7 + d);
      week.push({ date, past: date < today, row: byDate.get(date) ?? null });
    }
    result.push(week);
  }
  return result;
}

/** The last date `calendarWeeks` shows, for the query's range. */
export function calendarEnd(today: string, weeks: number): string {
  return addDays(today, 7 * weeks - 1 - Math.max(weekday(today), 0));
}

/** The number of weeks to show so that `date` is on the calendar (at least `min`). */
export function weeksToShow(today: string, date: string | null, min: number): number {
  if (!date || date < today) return min;
  const first = addDays(today, -Math.max(weekday(today), 0));
  const a = parseIsoDate(first);
  const b = parseIsoDate(date);
  if (!a || !b) return min;
  const days = (Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000;
  return Math.max(min, Math.floor(days / 7) + 1);
}

/** An RFC 3339 instant's calendar date in Asia/Tokyo (fixed UTC+9, no daylight saving). */
export function tokyoDateOf(instant: string): string | null {
  const ms = Date.parse(instant);
  return Number.isNaN(ms) ? null : new Date(ms + 9 * 3_600_000).toISOString().slice(0, 10);
}
