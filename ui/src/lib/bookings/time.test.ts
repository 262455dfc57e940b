import { describe, expect, it } from 'vitest';
import { formatInstantRange, formatSlotWhen, tokyoDateTime, vaccinatedAt } from './time';

describe('time', () => {
  it('reads instants in Tokyo time', () => {
    expect(tokyoDateTime('2021-05-15T00:30:00Z')).toEqual({ date: '2021-05-15', time: '09:30' });
    expect(tokyoDateTime('2021-05-14T15:00:00Z')).toEqual({ date: '2021-05-15', time: '00:00' });
    expect(tokyoDateTime('nope')).toBeNull();
  });

  it('formats slot times', () => {
    expect(formatInstantRange('2021-05-15T00:00:00Z', '2021-05-15T00:30:00Z')).toBe('2021/05/15 (土) 09:00〜09:30');
    expect(formatSlotWhen({ date: '2021-05-15', start_time: '09:00', end_time: '09:30' })).toBe('2021/05/15 (土) 09:00〜09:30');
  });

  it('turns a typed 接種時刻 into an instant, empty into now', () => {
    expect(vaccinatedAt('2021-05-15', ' 10:05 ')).toBe('2021-05-15T10:05:00+09:00');
    expect(vaccinatedAt('2021-05-15', '')).toBeNull();
    expect(vaccinatedAt('2021-05-15', '25:00')).toBeUndefined();
    expect(vaccinatedAt('2021-05-15', '9:5')).toBeUndefined();
  });
});
