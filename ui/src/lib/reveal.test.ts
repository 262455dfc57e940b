import { describe, expect, it } from 'vitest';
import { ROWS_PER_FRAME, Reveal, firstRows } from './reveal.svelte';

/** The first frame's rows in these tests. */
const FIRST_ROWS = 29;

/** A scheduler run by hand: `frame()` runs what waits for the next frame. */
function frames() {
  let queue: Array<[number, () => void]> = [];
  let next = 1;
  return {
    schedule: (run: () => void) => {
      queue.push([next, run]);
      return next++;
    },
    cancel: (handle: number) => {
      queue = queue.filter(([h]) => h !== handle);
    },
    frame: () => {
      const now = queue;
      queue = [];
      for (const [, run] of now) run();
    },
    waiting: () => queue.length,
  };
}

describe('Reveal', () => {
  it('shows the first rows at once and the rest over the following frames', () => {
    const f = frames();
    const reveal = new Reveal(f.schedule, f.cancel, () => FIRST_ROWS);
    reveal.start(FIRST_ROWS + 2 * ROWS_PER_FRAME - 10);
    expect(reveal.count).toBe(FIRST_ROWS);
    expect(reveal.complete).toBe(false);
    f.frame();
    expect(reveal.count).toBe(FIRST_ROWS + ROWS_PER_FRAME);
    f.frame();
    expect(reveal.count).toBe(reveal.total);
    expect(reveal.complete).toBe(true);
    expect(f.waiting()).toBe(0);
  });

  it('a short list is complete at once and schedules nothing', () => {
    const f = frames();
    const reveal = new Reveal(f.schedule, f.cancel, () => FIRST_ROWS);
    reveal.start(3);
    expect(reveal.count).toBe(3);
    expect(reveal.complete).toBe(true);
    expect(f.waiting()).toBe(0);
  });

  it('a list read again keeps the rows already shown', () => {
    const f = frames();
    const reveal = new Reveal(f.schedule, f.cancel, () => FIRST_ROWS);
    reveal.start(500);
    f.frame();
    f.frame();
    const shown = reveal.count;
    reveal.update(501);
    expect(reveal.count).toBe(shown);
    while (f.waiting() > 0) f.frame();
    expect(reveal.count).toBe(501);
    reveal.update(10);
    expect(reveal.count).toBe(10);
  });

  it('a new list starts again from the first rows and drops the old schedule', () => {
    const f = frames();
    const reveal = new Reveal(f.schedule, f.cancel, () => FIRST_ROWS);
    reveal.start(500);
    f.frame();
    reveal.start(300);
    expect(reveal.count).toBe(FIRST_ROWS);
    expect(f.waiting()).toBe(1);
  });

  it('finish shows every row now', () => {
    const f = frames();
    const reveal = new Reveal(f.schedule, f.cancel, () => FIRST_ROWS);
    reveal.start(500);
    reveal.finish();
    expect(reveal.count).toBe(500);
    expect(reveal.complete).toBe(true);
    expect(f.waiting()).toBe(0);
  });

  it('show keeps the rows of the same list and starts another from the first rows', () => {
    const f = frames();
    const reveal = new Reveal(f.schedule, f.cancel, () => FIRST_ROWS);
    reveal.show('2026-11-24', 500);
    f.frame();
    reveal.show('2026-11-24', 500);
    expect(reveal.count).toBe(FIRST_ROWS + ROWS_PER_FRAME);
    reveal.show('2026-11-25', 500);
    expect(reveal.count).toBe(FIRST_ROWS);
  });
});

describe('firstRows', () => {
  it('is a screenful of the shortest rows, however tall the window', () => {
    // The app's window (860 px) and a full-HD screen: 30 px per row at the least.
    expect(firstRows(860)).toBe(29);
    expect(firstRows(1080)).toBe(36);
    // A partly hidden row still counts; a window with no height still shows one.
    expect(firstRows(861)).toBe(29);
    expect(firstRows(0)).toBe(1);
  });
});
