// Formatting for the screens. All times are Asia/Tokyo, whatever the device's
// own time zone: Japan has used a fixed UTC+09:00 without daylight saving since
// 1952, so a fixed offset is exact and needs no ICU time-zone data.

import { tr } from './i18n.svelte';

const TOKYO_OFFSET_MS = 9 * 60 * 60 * 1000;

/** The days of a week, 0 = 日/Sun … 6 = 土/Sat, as the calendar's columns. */
export const WEEK = [0, 1, 2, 3, 4, 5, 6] as const;

// 2023-01-01 was a Sunday: the platform's names for its week, in both languages.
const weekdayNames = (locale: string) => {
  const format = new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' });
  return WEEK.map((d) => format.format(new Date(Date.UTC(2023, 0, 1 + d))));
};
const WEEKDAYS_JA = weekdayNames('ja-JP');
const WEEKDAYS_EN = weekdayNames('en-US');
const MONTH_EN = new Intl.DateTimeFormat('en-GB', { month: 'short', timeZone: 'UTC' });

/** A weekday (0 = 日/Sun … 6 = 土/Sat), short, in the current language. */
export function weekdayLabel(weekday: number): string {
  return tr(WEEKDAYS_JA[weekday] ?? '', WEEKDAYS_EN[weekday] ?? '');
}

/** A month (1 … 12), short, in English: 'May'. */
export function monthLabelEn(month: number): string {
  return MONTH_EN.format(new Date(Date.UTC(2023, month - 1, 1)));
}

/** The range separator the manual uses between times: 09:00〜09:30 (WAVE DASH). */
export const TIME_RANGE_SEPARATOR = '\u301C';

const pad2 = (n: number) => String(n).padStart(2, '0');

type TokyoParts = { year: number; month: number; day: number; hour: number; minute: number; weekday: number };

function tokyoParts(instant: Date): TokyoParts {
  const t = new Date(instant.getTime() + TOKYO_OFFSET_MS);
  return {
    year: t.getUTCFullYear(),
    month: t.getUTCMonth() + 1,
    day: t.getUTCDate(),
    hour: t.getUTCHours(),
    minute: t.getUTCMinutes(),
    weekday: t.getUTCDay(),
  };
}

/** Today's calendar date in Asia/Tokyo, 'YYYY-MM-DD'. */
export function todayInTokyo(now: Date = new Date()): string {
  const p = tokyoParts(now);
  return `${String(p.year).padStart(4, '0')}-${pad2(p.month)}-${pad2(p.day)}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a 'YYYY-MM-DD' calendar date; null if it is not a real date. */
export function parseIsoDate(date: string): { year: number; month: number; day: number; weekday: number } | null {
  const m = DATE_RE.exec(date);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return { year, month, day, weekday: d.getUTCDay() };
}

/** '2026-11-23' → '2026/11/23 (月)'. A value that is not a date is shown as it is. */
export function formatSlotDate(date: string): string {
  const p = parseIsoDate(date);
  if (!p) return date;
  return `${p.year}/${pad2(p.month)}/${pad2(p.day)} (${weekdayLabel(p.weekday)})`;
}

/** '09:00', '09:30' → '09:00〜09:30'. */
export function formatTimeRange(start: string, end: string): string {
  return `${start}${TIME_RANGE_SEPARATOR}${end}`;
}

/** Seats left, in the manual's words: 残り3枠; none (or overbooked) is 満枠. */
export function formatRemaining(remaining: number): string {
  return remaining > 0 ? tr(`残り${remaining}枠`, `${remaining} left`) : tr('満枠', 'Full');
}

export function visibilityLabel(visibility: string): string {
  switch (visibility) {
    case 'public':
      return tr('公開枠', 'Public');
    case 'private':
      return tr('非公開枠', 'Private');
    default:
      return visibility;
  }
}

/** RFC 3339 instant → '11/22 12:34' in Asia/Tokyo; null if it cannot be read. */
export function formatSyncTime(rfc3339: string): string | null {
  const ms = Date.parse(rfc3339);
  if (Number.isNaN(ms)) return null;
  const p = tokyoParts(new Date(ms));
  return `${pad2(p.month)}/${pad2(p.day)} ${pad2(p.hour)}:${pad2(p.minute)}`;
}

/** RFC 3339 instant → '2026/11/22 (日) 12:34 (日本時間)', for a tooltip. */
export function formatSyncTimeFull(rfc3339: string): string | null {
  const ms = Date.parse(rfc3339);
  if (Number.isNaN(ms)) return null;
  const p = tokyoParts(new Date(ms));
  const when = `${p.year}/${pad2(p.month)}/${pad2(p.day)} (${weekdayLabel(p.weekday)}) ${pad2(p.hour)}:${pad2(p.minute)}`;
  return tr(`${when} (日本時間)`, `${when} (Japan time)`);
}

/** The header's last-sync text: '最終同期 11/22 12:34', or '未同期' before the first success. */
export function formatLastSync(lastSuccessAt: string | null): string {
  const t = lastSuccessAt === null ? null : formatSyncTime(lastSuccessAt);
  return t === null ? tr('未同期', 'Not synced yet') : tr(`最終同期 ${t}`, `Last sync ${t}`);
}

/** An RFC 3339 instant as its Asia/Tokyo date 'YYYY-MM-DD' and time 'HH:MM'; null if unreadable. */
export function tokyoDateTime(rfc3339: string): { date: string; time: string } | null {
  const ms = Date.parse(rfc3339);
  if (Number.isNaN(ms)) return null;
  const p = tokyoParts(new Date(ms));
  return {
    date: `${String(p.year).padStart(4, '0')}-${pad2(p.month)}-${pad2(p.day)}`,
    time: `${pad2(p.hour)}:${pad2(p.minute)}`,
  };
}

/** A slot's start and end instants → '2026/11/23 (月) 09:00〜09:30', in Asia/Tokyo. */
export function formatSlotWhen(startsAt: string, endsAt: string): string {
  const start = tokyoDateTime(startsAt);
  const end = tokyoDateTime(endsAt);
  if (!start || !end) return `${startsAt}${TIME_RANGE_SEPARATOR}${endsAt}`;
  return `${formatSlotDate(start.date)} ${formatTimeRange(start.time, end.time)}`;
}
