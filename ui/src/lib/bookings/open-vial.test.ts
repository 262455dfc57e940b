import { describe, expect, it } from 'vitest';
import { comeInstant, defaultComeTime } from './open-vial';

describe('defaultComeTime', () => {
  it('is 45 minutes on, rounded up to five minutes, in Tokyo', () => {
    // 07:02 UTC is 16:02 in Tokyo: 16:47 rounds up to 16:50.
    expect(defaultComeTime(new Date('2026-12-06T07:02:00Z'))).toBe('16:50');
    expect(defaultComeTime(new Date('2026-12-06T07:05:00Z'))).toBe('16:50');
  });

  it('crosses midnight in Tokyo', () => {
    expect(defaultComeTime(new Date('2026-12-06T14:40:00Z'))).toBe('00:25');
  });
});

describe('comeInstant', () => {
  const now = new Date('2026-12-06T07:02:00Z'); // 16:02 in Tokyo

  it('is the time on the day in Tokyo', () => {
    expect(comeInstant('2026-12-06', '16:50', now)).toBe('2026-12-06T16:50:00+09:00');
  });

  it("takes today's time that has passed for tomorrow's", () => {
    expect(comeInstant('2026-12-06', '00:25', now)).toBe('2026-12-07T00:25:00+09:00');
  });

  it('refuses what is not a time', () => {
    expect(comeInstant('2026-12-06', '25', now)).toBeNull();
  });
});
