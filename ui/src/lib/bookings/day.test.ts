import { describe, expect, it } from 'vitest';
import { DayChoice } from './day.svelte';
import { todayInTokyo } from '../format';

describe('DayChoice', () => {
  it('starts on today and has a query only once venue, vaccine and date are chosen', () => {
    const day = new DayChoice();
    expect(day.date).toBe(todayInTokyo());
    expect(day.query).toBeNull();
    day.venueId = 'v1';
    expect(day.query).toBeNull();
    day.vaccineCode = 'pfizer';
    expect(day.query).toEqual({ venueId: 'v1', vaccineCode: 'pfizer', date: todayInTokyo() });
    day.date = '';
    expect(day.query).toBeNull();
  });
});
