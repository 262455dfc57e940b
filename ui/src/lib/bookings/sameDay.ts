// 当日内で予約時間の変更 (manual 3-2 ②): the engine's check, shaped as the manual's table.
import { formatTimeRange } from '../format';
import type { PlanView, SameDayCheck } from '../api/bookings';

/** One time of the day: 予約枠 and its 接種回数 変更前 → 変更後. */
export type VialTableRow = {
  time: string;
  start_time: string;
  before: number;
  after: number;
  /** The booking leaves this time (the manual writes 変更 there). */
  isFrom: boolean;
  /** The booking comes to this time. */
  isTo: boolean;
  changed: boolean;
};

export type PlanSummary = {
  /** 接種回数計 */
  totalDoses: number;
  vials: number;
  wasted: number;
  /** Each vial's window: diluted at → to be used by, with its doses. */
  windows: { time: string; doses: number }[];
  /** The day's doses fill whole vials (条件2: 接種回数が6の倍数). */
  wholeVials: boolean;
};

export type VialTable = { rows: VialTableRow[]; before: PlanSummary; after: PlanSummary };

function summary(plan: PlanView): PlanSummary {
  return {
    totalDoses: plan.total_doses,
    vials: plan.vial_count,
    wasted: plan.wasted,
    windows: plan.vials.map((v) => ({ time: formatTimeRange(v.diluted_at, v.use_by), doses: v.doses })),
    wholeVials: plan.wasted === 0,
  };
}

export function vialTable(check: SameDayCheck): VialTable {
  const same = (a: { start_time: string; end_time: string }, b: { start_time: string; end_time: string }) =>
    a.start_time === b.start_time && a.end_time === b.end_time;
  return {
    rows: check.table.map((r) => ({
      time: formatTimeRange(r.start_time, r.end_time),
      start_time: r.start_time,
      before: r.before,
      after: r.after,
      isFrom: same(r, check.from),
      isTo: same(r, check.to),
      changed: r.before !== r.after,
    })),
    before: summary(check.before),
    after: summary(check.after),
  };
}

/** A row's 接種回数 as the manual writes it: '1', or '1→2' where the change moves a dose. */
export function doseCell(row: Pick<VialTableRow, 'before' | 'after'>): string {
  return row.before === row.after ? String(row.before) : `${row.before}→${row.after}`;
}
