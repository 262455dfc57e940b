import { describe, expect, it } from 'vitest';
import { Latest } from './latest';

describe('Latest', () => {
  it('keeps only the newest read current', () => {
    const latest = new Latest();
    const first = latest.start();
    expect(first()).toBe(true);
    const second = latest.start();
    expect(first()).toBe(false);
    expect(second()).toBe(true);
  });

  it('drops an older answer that arrives after a newer one', async () => {
    const latest = new Latest();
    const shown: string[] = [];
    const read = async (answer: string, delay: number) => {
      const current = latest.start();
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (current()) shown.push(answer);
    };
    await Promise.all([read('old', 20), read('new', 1)]);
    expect(shown).toEqual(['new']);
  });
});
