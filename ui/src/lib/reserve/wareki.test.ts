import { describe, expect, it } from 'vitest';
import { formatBirthDate, formatWareki, parseBirthDate, warekiYear } from './wareki';

describe('parseBirthDate', () => {
  it.each([
    ['1945-03-03', '1945-03-03'],
    ['1945/3/3', '1945-03-03'],
    ['1945.3.3', '1945-03-03'],
    ['19450303', '1945-03-03'],
    ['1945年3月3日', '1945-03-03'],
    ['S20.3.3', '1945-03-03'],
    ['s20/3/3', '1945-03-03'],
    ['昭20.3.3', '1945-03-03'],
    ['昭和20年3月3日', '1945-03-03'],
    ['Ｓ２０．３．３', '1945-03-03'],
    ['平成元年1月8日', '1989-01-08'],
    ['H1.1.8', '1989-01-08'],
    ['R1.5.1', '2019-05-01'],
    ['T1.7.30', '1912-07-30'],
    ['M33.1.1', '1900-01-01'],
  ])('reads %s as %s', (input, expected) => {
    expect(parseBirthDate(input)).toBe(expected);
  });

  it.each([
    '',
    '1945/2/30',
    '昭和64年2月1日', // 昭和 ended on 64年1月7日
    '平成31年5月1日', // that day is 令和元年
    '昭和元年12月24日', // still 大正15年
    '1899/12/31',
    '45/3/3',
    'S20.3',
    'きのう',
  ])('cannot read %j', (input) => {
    expect(parseBirthDate(input)).toBeNull();
  });
});

describe('和暦 display', () => {
  it('names the era and year, 元年 for the first', () => {
    expect(warekiYear('1945-03-03')).toBe('昭和20年');
    expect(warekiYear('1989-01-07')).toBe('昭和64年');
    expect(warekiYear('1989-01-08')).toBe('平成元年');
    expect(warekiYear('2019-04-30')).toBe('平成31年');
    expect(warekiYear('2019-05-01')).toBe('令和元年');
    expect(formatWareki('1945-03-03')).toBe('昭和20年3月3日');
  });

  it('shows 西暦 with 和暦 for the read-back', () => {
    expect(formatBirthDate('1945-03-03')).toBe('1945/03/03 (昭和20年3月3日)');
    expect(formatBirthDate('not a date')).toBe('not a date');
  });
});
