// 生年月日 and other dates shown in 西暦 and 和暦. The era and its year come from the platform's
// Japanese calendar (Intl, `ja-JP-u-ca-japanese`); reading what was typed is yoyaku-core's
// (`read_date`), so the window keeps no calendar of its own.

import { parseIsoDate } from '../format';

const pad2 = (n: number) => String(n).padStart(2, '0');

const JAPANESE = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
  era: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

/** '1945-03-03' → '昭和20年'; year 1 is 元年. Null when not a date. */
export function warekiYear(date: string): string | null {
  const p = parseIsoDate(date);
  if (!p) return null;
  const parts = JAPANESE.formatToParts(new Date(Date.UTC(p.year, p.month - 1, p.day)));
  const era = parts.find((x) => x.type === 'era')?.value;
  const year = parts.find((x) => x.type === 'year')?.value;
  if (!era || !year) return null;
  return `${era}${year === '1' ? '元' : year}年`;
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
