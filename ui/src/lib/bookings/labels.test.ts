import { describe, expect, it } from 'vitest';
import { doseLabel, kanaName, startsLabel, statusLabel, syncStateLabel } from './labels';

describe('labels', () => {
  it("uses the manual's status words", () => {
    expect(statusLabel('reserved').ja).toBe('予約済み');
    expect(statusLabel('cancelled').ja).toBe('キャンセル');
    expect(statusLabel('checked_in')).toEqual({ ja: '受付済み', en: 'Checked in' });
    expect(statusLabel('vaccinated').ja).toBe('接種済み');
    expect(statusLabel('no_show').ja).toBe('来院なし');
    expect(statusLabel('odd')).toEqual({ ja: 'odd', en: 'odd' });
  });

  it('labels sync states, unknown ones as not sent', () => {
    expect(syncStateLabel('synced').ja).toBe('同期済み');
    expect(syncStateLabel('tentative').ja).toBe('仮予約');
    expect(syncStateLabel('rejected').ja).toBe('同期の問題');
    expect(syncStateLabel('pending').ja).toBe('未送信');
    expect(syncStateLabel('whatever').ja).toBe('未送信');
  });

  it('prints 予約開始日付, doses and names as the manual does', () => {
    expect(startsLabel({ date: '2021-05-15', start_time: '09:00' })).toBe('2021-05-15 09:00~');
    expect(doseLabel(2)).toEqual({ ja: '2回目', en: 'Dose 2' });
    expect(kanaName({ family_name_kana: 'テスト', given_name_kana: 'タロー' })).toBe('テスト タロー');
    expect(kanaName({ family_name_kana: null, given_name_kana: null })).toBe('');
  });
});
