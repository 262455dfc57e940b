import { describe, expect, it } from 'vitest';
import { mayCancel, mayChange, nextDose, statusLabel, suggestedDate, syncBadge } from './status';

describe('booking status', () => {
  it('labels statuses and sync states in the manual words', () => {
    expect(statusLabel('reserved').ja).toBe('予約済み');
    expect(statusLabel('cancelled').ja).toBe('キャンセル');
    expect(statusLabel('odd').ja).toBe('odd');
    expect(syncBadge('synced')).toBeNull();
    expect(syncBadge('pending')?.ja).toBe('未送信');
    expect(syncBadge('tentative')?.ja).toBe('仮予約');
    expect(syncBadge('rejected')?.ja).toBe('同期の問題');
  });

  it('offers 新規予約 for the first dose no booking holds', () => {
    expect(nextDose([])).toBe(1);
    expect(nextDose([{ dose: 1, status: 'reserved' }])).toBe(2);
    expect(nextDose([{ dose: 1, status: 'cancelled' }])).toBe(1);
    expect(nextDose([{ dose: 1, status: 'vaccinated' }, { dose: 2, status: 'no_show' }])).toBe(2);
    expect(nextDose([{ dose: 1, status: 'vaccinated' }, { dose: 2, status: 'reserved' }])).toBe(3);
  });

  it('suggests dose 2 three weeks after dose 1', () => {
    const bookings = [
      { dose: 1, status: 'cancelled' as const, date: '2021-05-01' },
      { dose: 1, status: 'reserved' as const, date: '2021-05-19' },
    ];
    expect(suggestedDate(bookings, 2)).toBe('2021-06-09');
    expect(suggestedDate(bookings, 1)).toBeNull();
    expect(suggestedDate([], 2)).toBeNull();
  });

  it('cancels and changes only bookings still to come', () => {
    expect(mayCancel({ status: 'reserved' })).toBe(true);
    expect(mayCancel({ status: 'checked_in' })).toBe(true);
    expect(mayCancel({ status: 'vaccinated' })).toBe(false);
    expect(mayChange({ status: 'checked_in' })).toBe(false);
  });
});

describe('sync badge', () => {
  it('uses the same words as the 4-1 list and 受付, with a tone per state', () => {
    expect(syncBadge('pending')).toEqual({ ja: '未送信', en: 'Not sent yet', tone: 'pending' });
    expect(syncBadge('tentative')?.tone).toBe('tentative');
    expect(syncBadge('rejected')).toEqual({ ja: '同期の問題', en: 'Sync problem', tone: 'problem' });
    // An unknown state reads as not sent, as the engine labels it.
    expect(syncBadge('odd')).toEqual({ ja: '未送信', en: 'Not sent yet', tone: 'pending' });
  });
});
