import { describe, expect, it } from 'vitest';
import { formatBirthDate, formatWareki, warekiYear } from './wareki';

describe('和暦 display', () => {
  it('names the era and year, 元年 for the first', () => {
    expect(warekiYear('1945-03-03')).toBe('昭和20年');
    expect(warekiYear('1989-01-07')).toBe('昭和64年');
    expect(warekiYear('1989-01-08')).toBe('平成元年');
    expect(warekiYear('2019-04-30')).toBe('平成31年');
    expect(warekiYear('2019-05-01')).toBe('令和元年');
    expect(warekiYear('1912-07-30')).toBe('大正元年');
    expect(warekiYear('1900-01-01')).toBe('明治33年');
    expect(formatWareki('1945-03-03')).toBe('昭和20年3月3日');
    expect(warekiYear('not a date')).toBeNull();
  });

  it('shows 西暦 with 和暦 for the read-back', () => {
    expect(formatBirthDate('1945-03-03')).toBe('1945/03/03 (昭和20年3月3日)');
    expect(formatBirthDate('not a date')).toBe('not a date');
  });
});
