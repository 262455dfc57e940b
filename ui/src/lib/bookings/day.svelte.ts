// 接種会場, 接種ワクチン and 日付 as chosen on 受付 and the 4-1 list, and the reads that follow them.
import { untrack } from 'svelte';
import type { DayQuery } from '../api/bookings';
import { todayInTokyo } from '../format';
import { sync } from '../sync.svelte';

/** The day a screen shows: DayPicker binds the three fields; `query` is set once all are chosen. */
export class DayChoice {
  venueId = $state('');
  vaccineCode = $state('');
  date = $state(todayInTokyo());

  readonly query: DayQuery | null = $derived(
    this.venueId && this.vaccineCode && this.date ? { venueId: this.venueId, vaccineCode: this.vaccineCode, date: this.date } : null,
  );
}

/**
 * Reads the chosen day on entry, whenever the choice changes and whenever a sync status arrives
 * (events and 今すぐ同期). Call while a component is set up.
 */
export function followDay(day: DayChoice, read: () => Promise<void>): void {
  $effect(() => {
    void day.query;
    void sync.revision;
    untrack(() => void read());
  });
}
