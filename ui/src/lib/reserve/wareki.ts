// 生年月日 in 西暦 and 和暦. The engine's parser (yoyaku-core, birth_date.rs) is the authority and
// answers 「次へ進む」; this reads the same spellings so that the form can show, while typing,
// which date it understood — the receptionist reads it back to the caller in the era they used.

import { parseIsoDate } from '../format';

type Era = { name: string; letter: string; start: string };

/** The eras a living resident can be born in, newest first (the first era whose start is ≤ a date is its era). */
const ERAS: readonly Era[] = [
  { name: '令和', letter: 'r', start: '2019-05-01' },
  { name: '平成', letter: 'h', start: '1989-01-08' },
  { name: '昭和', letter: 's', start: '1926-12-25' },
  { name: '大正', letter: 't', start: '1912-07-30' },
  { name: '明治', letter: 'm', start: '1868-10-23' },
];

const EARLIEST = '1900-01-01';

const pad2 = (n: number) => String(n).padStart(2, '0');

function iso(year: number, month: number, day: number): string | null {
  const s = `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
  return parseIsoDate(s) ? s : null;
}

function eraOf(date: string): Era | null {
  return ERAS.find((e) => e.start <= date) ?? null;
}

/** '1945-03-03' → '昭和20年'; year 1 is 元年. Null before 明治. */
export function warekiYear(date: string): string | null {
  const p = parseIsoDate(date);
  const era = eraOf(date);
  if (!p || !era) return null;
  const y = p.year - Number(era.start.slice(0, 4)) + 1;
  return `${era.name}${y === 1 ? '元' : y}年`;
}

/** '1945-03-03' → '昭和20年3月3日'. */
export function formatWareki(date: string): string {
  const p = parseIsoDate(date);
  const year = warekiYear(date);
  if (!p || !year) return date;
  return `${year}${p.month}月${p.day}日`;
}

/** '1945-03-03' → '1945/03/03'. */
export function formatWestern(date: string): string {
  const p = parseIsoDate(date);
  return p ? `${p.year}/${pad2(p.month)}/${pad2(p.day)}` : date;
}

/** '1945-03-03' → '1945/03/03 (昭和20年3月3日)', as the confirmation reads it. */
export function formatBirthDate(date: string): string {
  return parseIsoDate(date) ? `${formatWestern(date)} (${formatWareki(date)})` : date;
}

function number(s: string | undefined, maxLength: number): number | null {
  if (s === undefined || !new RegExp(`^\\d{1,${maxLength}}$`).test(s)) return null;
  return Number(s);
}

function splitYmd(body: string): [string, string, string] | null {
  const parts = body.replace(/日$/, '').split(/[年月/\-.ー−‐]/);
  return parts.length === 3 ? [parts[0]!, parts[1]!, parts[2]!] : null;
}

/**
 * 生年月日 as typed → 'YYYY-MM-DD', or null when it cannot be read (yet). Takes 1945/3/3,
 * 1945-03-03, 1945.3.3, 19450303, 1945年3月3日, S20.3.3, 昭20.3.3, 昭和20年3月3日, 平成元年1月8日,
 * full-width too. A 和暦 date outside its era (昭和64年2月1日) is null: the engine explains why.
 */
export function parseBirthDate(input: string): string | null {
  const s = input.normalize('NFKC').replace(/\s/g, '').toLowerCase();
  if (s === '') return null;
  let date: string | null;
  const era = ERAS.find((e) => s.startsWith(e.name) || s.startsWith(e.name[0]!) || s.startsWith(e.letter));
  if (era) {
    const rest = s.startsWith(era.name) ? s.slice(era.name.length) : s.slice(1);
    const ymd = splitYmd(rest);
    if (!ymd) return null;
    const y = ymd[0] === '元' ? 1 : number(ymd[0], 2);
    const m = number(ymd[1], 2);
    const d = number(ymd[2], 2);
    if (y === null || y < 1 || m === null || d === null) return null;
    date = iso(Number(era.start.slice(0, 4)) + y - 1, m, d);
    // The date must lie within the era typed, as the engine checks.
    if (date && eraOf(date) !== era) return null;
  } else if (/^\d{8}$/.test(s)) {
    date = iso(Number(s.slice(0, 4)), Number(s.slice(4, 6)), Number(s.slice(6, 8)));
  } else {
    const ymd = splitYmd(s);
    if (!ymd || !/^\d{4}$/.test(ymd[0])) return null;
    const m = number(ymd[1], 2);
    const d = number(ymd[2], 2);
    if (m === null || d === null) return null;
    date = iso(Number(ymd[0]), m, d);
  }
  return date && date >= EARLIEST ? date : null;
}
