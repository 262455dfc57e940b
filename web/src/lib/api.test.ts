import { describe, expect, it, vi } from 'vitest';
import { newId } from './api';

describe('newId', () => {
  it('makes distinct version 4 UUIDs', () => {
    const ids = new Set(Array.from({ length: 100 }, newId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('call with no answer from the server', () => {
  it('says a read could not reach the city, and a write may or may not have been done', async () => {
    const { call, ApiProblem } = await import('./api');
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('network error')));
    try {
      const read = await call('GET', '/api/v1/municipalities').catch((e: unknown) => e);
      expect(read).toBeInstanceOf(ApiProblem);
      expect((read as InstanceType<typeof ApiProblem>).problem.message_ja).toContain('つながりませんでした');

      const write = await call('POST', '/api/v1/bookings', {}).catch((e: unknown) => e);
      const problem = (write as InstanceType<typeof ApiProblem>).problem;
      expect(problem.code).toBe('network.unreachable');
      // The line may have dropped after the city booked: never "nothing has been booked".
      expect(problem.message_ja).toContain('受け付けられたかどうかは確認できていません');
      expect(problem.message_ja).not.toContain('完了していません');
      expect(problem.message_en).not.toMatch(/nothing has been booked/i);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
