import { describe, expect, it } from 'vitest';
import { addDays, calendarEnd, calendarWeeks, formatLongDate, readMonthDay, secondDoseDate, tokyoDateOf, weekday, weeksToShow, type CalendarRow } from './dates';

describe('secondDoseDate', () => {
  it('is 21 days later, on the same weekday, across months and years', () => {
    for (const first of ['2021-05-19', '2021-05-06', '2021-12-20', '2024-02-15', '2023-02-28']) {
      const second = secondDoseDate(first);
      expect(weekday(second)).toBe(weekday(first));
      expect(second > first).toBe(true);
    }
    expect(secondDoseDate('2021-05-13')).toBe('2021-06-03'); // the manual's 2-2 example weekday
    expect(secondDoseDate('2021-12-20')).toBe('2022-01-10');
    expect(secondDoseDate('2024-02-15')).toBe('2024-03-07'); // leap year
  });

  it('adds and subtracts days', () => {
    expect(addDays('2021-03-01', -1)).toBe('2021-02-28');
    expect(addDays('x', 3)).toBe('x');
  });

  it('writes 予約日時 as the manual does', () => {
    expect(formatLongDate('2021-05-06')).toBe('2021年5月6日(木)');
  });
});

const row = (date: string, remaining: number): CalendarRow => ({
  venue_id: 'v',
  vaccine_code: 'pfizer',
  date,
  public_remaining: remaining,
  private_remaining: 0,
  remaining,
  capacity: 10,
  slot_count: 2,
});

describe('calendarWeeks', () => {
  it('lays the days out in Sunday-first weeks from the week of today, placing each row on its day', () => {
    // 2021-05-06 is a Thursday.
    const weeks = calendarWeeks([row('2021-05-06', 3), row('2021-05-10', 0), row('2021-05-30', 5)], '2021-05-06', 2);
    expect(weeks).toHaveLength(2);
    expect(weeks[0]![0]!.date).toBe('2021-05-02');
    expect(weeks[0]![0]!.past).toBe(true);
    expect(weeks[0]![4]!).toMatchObject({ date: '2021-05-06', past: false, row: { remaining: 3 } });
    expect(weeks[1]![1]!.row?.remaining).toBe(0);
    expect(weeks[1]![6]!.date).toBe('2021-05-15');
    // Outside the weeks shown: not placed.
    expect(weeks.flat().some((c) => c.date === '2021-05-30')).toBe(false);
    expect(calendarEnd('2021-05-06', 2)).toBe('2021-05-15');
  });

  it('starts on today when today is a Sunday', () => {
    expect(calendarWeeks([], '2021-05-09', 1)[0]![0]!.date).toBe('2021-05-09');
  });

  it('shows enough weeks for a preselected date', () => {
    expect(weeksToShow('2021-05-06', null, 4)).toBe(4);
    expect(weeksToShow('2021-05-06', '2021-05-27', 4)).toBe(4);
    expect(weeksToShow('2021-05-06', '2021-06-03', 4)).toBe(5);
    expect(weeksToShow('2021-05-06', '2021-04-01', 4)).toBe(4);
  });
});

describe('tokyoDateOf', () => {
  it('reads the Tokyo date of an instant, across midnight UTC', () => {
    expect(tokyoDateOf('2021-06-08T15:30:00Z')).toBe('2021-06-09');
    expect(tokyoDateOf('2021-06-09T09:00:00+09:00')).toBe('2021-06-09');
    expect(tokyoDateOf('nope')).toBeNull();
  });
});

describe('readMonthDay', () => {
  const today = '2026-12-05';
  it('takes a month and day alone as the next such day, full-width too', () => {
    expect(readMonthDay('12/7', today)).toBe('2026-12-07');
    expect(readMonthDay('12月5日', today)).toBe('2026-12-05');
    expect(readMonthDay('１／８', today)).toBe('2027-01-08');
    expect(readMonthDay('12/4', today)).toBe('2027-12-04');
  });
  it('leaves a whole date to yoyaku-core and is null for what is not a month and day', () => {
    for (const typed of ['', '2/30', '13/1', 'tomorrow', '2026/12/7', 'R8.12.7']) {
      expect(readMonthDay(typed, today), typed).toBeNull();
    }
  });
});
