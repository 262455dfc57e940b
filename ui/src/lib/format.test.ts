import { describe, expect, it } from 'vitest';
import {
  formatLastSync,
  formatRemaining,
  formatSlotDate,
  formatSlotWhen,
  formatSyncTime,
  formatSyncTimeFull,
  formatTimeRange,
  parseIsoDate,
  todayInTokyo,
  tokyoDateTime,
  visibilityLabel,
} from './format';
import { i18n } from './i18n.svelte';
import { formatLongDate } from './reserve/dates';

describe('formatSlotDate', () => {
  it('shows the date with its weekday (曜日)', () => {
    expect(formatSlotDate('2026-11-23')).toBe('2026/11/23 (月)');
    expect(formatSlotDate('2021-05-06')).toBe('2021/05/06 (木)');
    expect(formatSlotDate('2021-05-01')).toBe('2021/05/01 (土)');
    expect(formatSlotDate('2021-05-02')).toBe('2021/05/02 (日)');
  });

  it('handles leap days and year ends', () => {
    expect(formatSlotDate('2024-02-29')).toBe('2024/02/29 (木)');
    expect(formatSlotDate('2025-12-31')).toBe('2025/12/31 (水)');
    expect(formatSlotDate('2026-01-01')).toBe('2026/01/01 (木)');
  });

  it('shows a value that is not a real date as it is', () => {
    expect(formatSlotDate('2023-02-29')).toBe('2023-02-29');
    expect(formatSlotDate('2026/11/23')).toBe('2026/11/23');
    expect(formatSlotDate('')).toBe('');
    expect(parseIsoDate('2026-13-01')).toBeNull();
  });
});

describe('todayInTokyo', () => {
  it('is the calendar date in Asia/Tokyo, not in UTC or the device zone', () => {
    // 2026-11-22 14:59:59Z is 23:59:59 in Tokyo; one second later it is the next day there.
    expect(todayInTokyo(new Date('2026-11-22T14:59:59Z'))).toBe('2026-11-22');
    expect(todayInTokyo(new Date('2026-11-22T15:00:00Z'))).toBe('2026-11-23');
    // 2026-12-31 20:00 in New York is already New Year's Day in Tokyo.
    expect(todayInTokyo(new Date('2026-12-31T20:00:00-05:00'))).toBe('2027-01-01');
  });
});

describe('sync time', () => {
  it('formats an RFC 3339 instant as MM/DD HH:MM in Tokyo', () => {
    expect(formatSyncTime('2026-11-22T03:34:00Z')).toBe('11/22 12:34');
    expect(formatSyncTime('2026-11-22T12:34:56+09:00')).toBe('11/22 12:34');
    expect(formatSyncTime('2026-11-22T23:05:00Z')).toBe('11/23 08:05');
    expect(formatSyncTime('2026-11-22T03:34:00.123456789Z')).toBe('11/22 12:34');
  });

  it('gives the header text, 未同期 before the first success', () => {
    expect(formatLastSync('2026-11-22T03:34:00Z')).toBe('最終同期 11/22 12:34');
    expect(formatLastSync(null)).toBe('未同期');
    expect(formatLastSync('not a time')).toBe('未同期');
  });

  it('gives a full tooltip with year and weekday', () => {
    expect(formatSyncTimeFull('2026-11-22T15:30:00Z')).toBe('2026/11/23 (月) 00:30 (日本時間)');
    expect(formatSyncTimeFull('garbage')).toBeNull();
  });
});

describe('slot wording', () => {
  it('says 残りN枠, and 満枠 when none is left (or overbooked)', () => {
    expect(formatRemaining(3)).toBe('残り3枠');
    expect(formatRemaining(1)).toBe('残り1枠');
    expect(formatRemaining(120)).toBe('残り120枠');
    expect(formatRemaining(0)).toBe('満枠');
    expect(formatRemaining(-1)).toBe('満枠');
  });

  it('joins times with the manual’s wave dash', () => {
    expect(formatTimeRange('09:00', '09:30')).toBe('09:00〜09:30');
  });

  it('names visibility with the manual’s words', () => {
    expect(visibilityLabel('public')).toBe('公開枠');
    expect(visibilityLabel('private')).toBe('非公開枠');
  });
});

describe('in English', () => {
  it('labels slots, dates and the last sync in English after the toggle', () => {
    i18n.toggle();
    try {
      expect(formatRemaining(3)).toBe('3 left');
      expect(formatRemaining(0)).toBe('Full');
      expect(visibilityLabel('public')).toBe('Public');
      expect(visibilityLabel('private')).toBe('Private');
      expect(visibilityLabel('other')).toBe('other');
      expect(formatSlotDate('2026-11-23')).toBe('2026/11/23 (Mon)');
      expect(formatLongDate('2021-05-06')).toBe('Thu 6 May 2021');
      expect(formatLastSync(null)).toBe('Not synced yet');
      expect(formatLastSync('2026-11-22T03:34:00Z')).toBe('Last sync 11/22 12:34');
      expect(formatSyncTimeFull('2026-11-22T15:30:00Z')).toBe('2026/11/23 (Mon) 00:30 (Japan time)');
    } finally {
      i18n.toggle();
    }
    expect(formatRemaining(3)).toBe('残り3枠');
  });
});

describe('slot times', () => {
  it('reads an instant as its Tokyo date and time, across the UTC date line', () => {
    expect(tokyoDateTime('2021-05-06T15:30:00Z')).toEqual({ date: '2021-05-07', time: '00:30' });
    expect(tokyoDateTime('not a time')).toBeNull();
  });

  it("shows a slot's day and times in Tokyo", () => {
    i18n.lang = 'ja';
    expect(formatSlotWhen('2026-11-23T00:00:00Z', '2026-11-23T00:30:00Z')).toBe('2026/11/23 (月) 09:00〜09:30');
  });
});
