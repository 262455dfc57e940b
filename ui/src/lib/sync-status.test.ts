import { describe, expect, it } from 'vitest';
import { initialSyncStatus } from './sync-status';

const err = { code: 'network.unreachable' as const, message_ja: 'サーバーに接続できません。', message_en: 'Cannot reach the server.' };

describe('initialSyncStatus', () => {
  it('keeps the login’s answer while the loop has not tried yet', () => {
    expect(initialSyncStatus(true, { online: false, last_success_at: null, last_error: null, pending: 0, problems: 0 }).online).toBe(true);
    expect(initialSyncStatus(false, { online: true, last_success_at: null, last_error: null, pending: 0, problems: 0 }).online).toBe(false);
  });

  it('takes the loop’s answer once it has one', () => {
    expect(initialSyncStatus(true, { online: false, last_success_at: null, last_error: err, pending: 0, problems: 0 })).toEqual({
      online: false,
      last_success_at: null,
      last_error: err,
      pending: 0,
      problems: 0,
    });
    expect(initialSyncStatus(false, { online: true, last_success_at: '2026-11-22T03:34:00Z', last_error: null, pending: 0, problems: 0 }).online).toBe(true);
  });
});
