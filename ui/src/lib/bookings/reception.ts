// 受付: what a row's Enter does, the day's counts, and the lot number kept for the next resident.
import type { BookingRow, BookingStatus } from '../api/bookings';

export type PrimaryAction = 'check_in' | 'vaccinate' | null;

/** 予約済み → 受付; 受付済み → 接種記録; anything else is done. */
export function primaryAction(status: BookingStatus | string): PrimaryAction {
  if (status === 'reserved') return 'check_in';
  if (status === 'checked_in') return 'vaccinate';
  return null;
}

export type DayCounts = Record<BookingStatus, number> & { expected: number };

/** How many are 予約済み, 受付済み, 接種済み, … ; `expected` leaves out cancellations. */
export function dayCounts(rows: readonly Pick<BookingRow, 'status'>[]): DayCounts {
  const c: DayCounts = { reserved: 0, cancelled: 0, checked_in: 0, vaccinated: 0, no_show: 0, expected: 0 };
  for (const r of rows) {
    if (r.status in c) c[r.status] += 1;
    if (r.status !== 'cancelled') c.expected += 1;
  }
  return c;
}

/** The index the arrow keys move to, staying inside the list. */
export function moveIndex(current: number, key: string, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'ArrowDown':
      return Math.min(current + 1, count - 1);
    case 'ArrowUp':
      return Math.max(current - 1, 0);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

type Store = Pick<Storage, 'getItem' | 'setItem'>;

/**
 * The last ロット番号 recorded, per vaccine: one vial serves several residents in a row, so the
 * next one's field starts with it. Kept in local storage across restarts of the app.
 */
export class LotMemory {
  #store: Store | null;
  constructor(store: Store | null = globalThis.localStorage ?? null) {
    this.#store = store;
  }
  #key(vaccineCode: string) {
    return `yoyaku.lot.${vaccineCode}`;
  }
  get(vaccineCode: string): string {
    try {
      return this.#store?.getItem(this.#key(vaccineCode)) ?? '';
    } catch {
      return '';
    }
  }
  set(vaccineCode: string, lot: string): void {
    try {
      this.#store?.setItem(this.#key(vaccineCode), lot.trim());
    } catch {
      // Not remembered; the typed value still works this time.
    }
  }
}
