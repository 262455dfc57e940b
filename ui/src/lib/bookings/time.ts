// Instants shown and sent in Asia/Tokyo (fixed UTC+09:00, see lib/format.ts).
import { formatSlotDate, formatTimeRange } from '../format';

const TOKYO_OFFSET_MS = 9 * 60 * 60 * 1000;
const pad2 = (n: number) => String(n).padStart(2, '0');

/** RFC 3339 → Tokyo 'YYYY-MM-DD' and 'HH:MM'; null if it cannot be read. */
export function tokyoDateTime(rfc3339: string): { date: string; time: string } | null {
  const ms = Date.parse(rfc3339);
  if (Number.isNaN(ms)) return null;
  const t = new Date(ms + TOKYO_OFFSET_MS);
  return {
    date: `${t.getUTCFullYear()}-${pad2(t.getUTCMonth() + 1)}-${pad2(t.getUTCDate())}`,
    time: `${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}`,
  };
}

/** Two instants as a slot's time: '2021/05/15 (土) 09:00〜09:30'; as given if unreadable. */
export function formatInstantRange(startsAt: string, endsAt: string): string {
  const s = tokyoDateTime(startsAt);
  const e = tokyoDateTime(endsAt);
  if (!s || !e) return `${startsAt}〜${endsAt}`;
  return `${formatSlotDate(s.date)} ${formatTimeRange(s.time, e.time)}`;
}

/** A slot's date and times: '2021/05/15 (土) 09:00〜09:30'. */
export function formatSlotWhen(slot: { date: string; start_time: string; end_time: string }): string {
  return `${formatSlotDate(slot.date)} ${formatTimeRange(slot.start_time, slot.end_time)}`;
}

const HM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * 接種時刻 typed as 'HH:MM' on `date`, as the RFC 3339 instant the engine takes; null for an
 * empty field (the engine then uses now); undefined when it is not a time.
 */
export function vaccinatedAt(date: string, hm: string): string | null | undefined {
  const t = hm.trim();
  if (t === '') return null;
  if (!HM_RE.test(t)) return undefined;
  return `${date}T${t}:00+09:00`;
}
