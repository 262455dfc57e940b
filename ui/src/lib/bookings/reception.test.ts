import { describe, expect, it } from 'vitest';
import { LotMemory, dayCounts, moveIndex, primaryAction } from './reception';

describe('reception', () => {
  it("gives each status its row's Enter", () => {
    expect(primaryAction('reserved')).toBe('check_in');
    expect(primaryAction('checked_in')).toBe('vaccinate');
    expect(primaryAction('vaccinated')).toBeNull();
    expect(primaryAction('cancelled')).toBeNull();
    expect(primaryAction('no_show')).toBeNull();
  });

  it('counts the day', () => {
    const c = dayCounts([{ status: 'reserved' }, { status: 'cancelled' }, { status: 'vaccinated' }, { status: 'vaccinated' }]);
    expect(c).toMatchObject({ reserved: 1, cancelled: 1, vaccinated: 2, checked_in: 0, expected: 3 });
  });

  it('moves through rows without leaving the list', () => {
    expect(moveIndex(0, 'ArrowDown', 3)).toBe(1);
    expect(moveIndex(2, 'ArrowDown', 3)).toBe(2);
    expect(moveIndex(0, 'ArrowUp', 3)).toBe(0);
    expect(moveIndex(1, 'End', 3)).toBe(2);
    expect(moveIndex(1, 'Home', 3)).toBe(0);
    expect(moveIndex(1, 'a', 3)).toBeNull();
    expect(moveIndex(0, 'ArrowDown', 0)).toBeNull();
  });

  it('remembers the last lot number per vaccine', () => {
    const map = new Map<string, string>();
    const store = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v) };
    const lots = new LotMemory(store);
    expect(lots.get('pfizer')).toBe('');
    lots.set('pfizer', ' FA1234 ');
    expect(lots.get('pfizer')).toBe('FA1234');
    expect(new LotMemory(store).get('moderna')).toBe('');
    expect(new LotMemory(null).get('pfizer')).toBe('');
  });
});
