import type { SlotRow } from './types';

export type SlotDateGroup = { date: string; slots: SlotRow[] };

/**
 * Groups slots by their date, keeping the order the rows came in (the query
 * orders them by date, time, venue, visibility). Rows of one date that arrive
 * apart still end up in one group, at the place of the date's first row.
 */
export function groupSlotsByDate(slots: readonly SlotRow[]): SlotDateGroup[] {
  const groups: SlotDateGroup[] = [];
  const byDate = new Map<string, SlotDateGroup>();
  for (const slot of slots) {
    let group = byDate.get(slot.date);
    if (!group) {
      group = { date: slot.date, slots: [] };
      byDate.set(slot.date, group);
      groups.push(group);
    }
    group.slots.push(slot);
  }
  return groups;
}

const SLOT_FIELDS = [
  'slot_id',
  'venue_id',
  'venue_number',
  'venue_name',
  'vaccine_name',
  'slot_name',
  'date',
  'start_time',
  'end_time',
  'visibility',
  'capacity',
  'booked',
  'remaining',
] as const satisfies readonly (keyof SlotRow)[];

/**
 * True when two reads of the cache show the same slots in the same order.
 * The list is re-read on every sync status, mostly with nothing changed:
 * keeping the old rows then spares re-rendering a long table.
 */
export function sameSlots(a: readonly SlotRow[], b: readonly SlotRow[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    for (const field of SLOT_FIELDS) {
      if (x[field] !== y[field]) return false;
    }
  }
  return true;
}
