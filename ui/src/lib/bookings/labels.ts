// The words for a booking's status and sync state, as the manual and the header use them.
import type { BookingStatus, SyncState } from '../api/bookings';

export type Words = { ja: string; en: string };

const STATUS: Record<BookingStatus, Words> = {
  reserved: { ja: '予約済み', en: 'Reserved' },
  cancelled: { ja: 'キャンセル', en: 'Cancelled' },
  checked_in: { ja: '受付済み', en: 'Checked in' },
  vaccinated: { ja: '接種済み', en: 'Vaccinated' },
  no_show: { ja: '来院なし', en: 'No-show' },
};

/** ステータス: 予約済み, キャンセル, 受付済み, 接種済み, 来院なし. */
export function statusLabel(status: string): Words {
  return STATUS[status as BookingStatus] ?? { ja: status, en: status };
}

const SYNC: Record<SyncState, Words> = {
  synced: { ja: '同期済み', en: 'Synced' },
  pending: { ja: '未送信', en: 'Not sent yet' },
  tentative: { ja: '仮予約', en: 'Tentative' },
  rejected: { ja: '同期の問題', en: 'Sync problem' },
};

/** The sync badge; an unknown state reads as not sent, as the engine labels it. */
export function syncStateLabel(state: string): Words {
  return SYNC[state as SyncState] ?? SYNC.pending;
}

/** 予約開始日付 as the manual prints it: `2021-05-15 09:00~`. */
export function startsLabel(row: { date: string; start_time: string }): string {
  return `${row.date} ${row.start_time}~`;
}

/** 接種回数: 1回目, 2回目. */
export function doseLabel(dose: number): Words {
  return { ja: `${dose}回目`, en: `Dose ${dose}` };
}

/** 姓名(カナ), or an empty string when the cache has no name. */
export function kanaName(row: { family_name_kana: string | null; given_name_kana: string | null }): string {
  return [row.family_name_kana, row.given_name_kana].filter((p) => p).join(' ');
}
