import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncStatus } from './types';

// The shell is replaced by a fake: what matters here is how the monitor
// combines the login's answer, `sync_status`, the events and `sync_now`.
const fake = vi.hoisted(() => ({
  handler: null as ((status: SyncStatus) => void) | null,
  unlisten: vi.fn(),
  syncStatus: vi.fn<() => Promise<SyncStatus>>(),
  syncNow: vi.fn<() => Promise<SyncStatus>>(),
}));

vi.mock('./api', () => ({
  api: { syncStatus: fake.syncStatus, syncNow: fake.syncNow },
  onSyncStatus: async (handler: (status: SyncStatus) => void) => {
    fake.handler = handler;
    return fake.unlisten;
  },
}));

const { SyncMonitor } = await import('./sync.svelte');

const pristine: SyncStatus = { online: false, last_success_at: null, last_error: null, pending: 0, problems: 0 };

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

beforeEach(() => {
  fake.handler = null;
  fake.unlisten.mockReset();
  fake.syncStatus.mockReset();
  fake.syncNow.mockReset();
});

describe('SyncMonitor', () => {
  it('shows the login’s answer until the loop has news', async () => {
    fake.syncStatus.mockResolvedValue(pristine);
    const m = new SyncMonitor();
    await m.start(true);
    expect(m.online).toBe(true);
    expect(m.lastSuccessAt).toBeNull();

    fake.handler!({ online: false, last_success_at: '2026-11-22T03:34:00Z', last_error: null, pending: 0, problems: 0 });
    expect(m.online).toBe(false);
    expect(m.lastSuccessAt).toBe('2026-11-22T03:34:00Z');
  });

  it('lets an event that arrives first win over a slower sync_status', async () => {
    const slow = deferred<SyncStatus>();
    fake.syncStatus.mockReturnValue(slow.promise);
    const m = new SyncMonitor();
    const started = m.start(false);
    await vi.waitFor(() => expect(fake.handler).not.toBeNull());
    fake.handler!({ online: true, last_success_at: '2026-11-22T04:00:00Z', last_error: null, pending: 0, problems: 0 });
    slow.resolve({ online: false, last_success_at: '2026-11-22T03:00:00Z', last_error: null, pending: 0, problems: 0 });
    await started;
    expect(m.online).toBe(true);
    expect(m.lastSuccessAt).toBe('2026-11-22T04:00:00Z');
  });

  it('bumps the revision on every status so screens re-read the cache', async () => {
    fake.syncStatus.mockResolvedValue(pristine);
    fake.syncNow.mockResolvedValue({ online: true, last_success_at: '2026-11-22T05:00:00Z', last_error: null, pending: 0, problems: 0 });
    const m = new SyncMonitor();
    await m.start(true);
    const before = m.revision;
    fake.handler!(pristine);
    expect(m.revision).toBe(before + 1);
    expect(await m.syncNow()).toBeNull();
    expect(m.revision).toBe(before + 2);
    expect(m.lastSuccessAt).toBe('2026-11-22T05:00:00Z');
  });

  it('runs one sync_now at a time and reports a failed command', async () => {
    fake.syncStatus.mockResolvedValue(pristine);
    const pending = deferred<SyncStatus>();
    fake.syncNow.mockReturnValue(pending.promise);
    const m = new SyncMonitor();
    await m.start(true);
    const first = m.syncNow();
    expect(m.syncing).toBe(true);
    expect(await m.syncNow()).toBeNull();
    expect(fake.syncNow).toHaveBeenCalledTimes(1);
    pending.reject({ code: 'auth.not_logged_in', message_ja: 'ログインしていません。', message_en: 'Not logged in.' });
    expect(await first).toEqual({ code: 'auth.not_logged_in', message_ja: 'ログインしていません。', message_en: 'Not logged in.' });
    expect(m.syncing).toBe(false);
  });

  it('stops listening on stop and ignores late events', async () => {
    fake.syncStatus.mockResolvedValue(pristine);
    const m = new SyncMonitor();
    await m.start(true);
    const handler = fake.handler!;
    m.stop();
    expect(fake.unlisten).toHaveBeenCalledTimes(1);
    handler({ online: false, last_success_at: '2026-11-22T06:00:00Z', last_error: null, pending: 0, problems: 0 });
    expect(m.lastSuccessAt).toBeNull();
  });
});
