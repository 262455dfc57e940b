// @vitest-environment jsdom
// The header rendered for real (Svelte mounting it into jsdom): what it says of the connection
// and the unsent work, where its indicator leads, and what it shows when 今すぐ同期 fails. Only
// the shell behind the IPC is a fake.
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CommandError, SyncStatus } from '../lib/types';

const fake = vi.hoisted(() => ({
  syncNow: vi.fn<() => Promise<SyncStatus>>(),
}));

vi.mock('../lib/api', async (original) => ({
  ...(await original<typeof import('../lib/api')>()),
  api: { syncNow: fake.syncNow },
  onSyncStatus: async () => () => {},
}));

const { default: AppHeader } = await import('./AppHeader.svelte');
const { sync } = await import('../lib/sync.svelte');
const { router } = await import('../lib/router.svelte');
const { i18n } = await import('../lib/i18n.svelte');

const profile = {
  account_id: 'clinic-a',
  display_name: 'さくら内科クリニック',
  municipality_code: '431001',
  municipality_name: '熊本市',
};

let header: ReturnType<typeof mount> | null = null;

function render(): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  header = mount(AppHeader, { target, props: { profile } as never });
  flushSync();
  return target;
}

function byTestId(root: HTMLElement, id: string): HTMLElement | null {
  return root.querySelector(`[data-testid="${id}"]`);
}

function status(partial: Partial<SyncStatus>): SyncStatus {
  return { online: true, last_success_at: null, last_error: null, pending: 0, problems: 0, ...partial };
}

beforeEach(() => {
  fake.syncNow.mockReset();
  i18n.lang = 'ja';
  sync.syncing = false;
  sync.apply(status({}));
  router.go({ name: 'top' });
});

afterEach(() => {
  if (header) unmount(header);
  header = null;
  document.body.replaceChildren();
});

describe('AppHeader', () => {
  it('says offline, and how much is unsent and refused, only when there is some', () => {
    sync.apply(status({ online: false, pending: 3, problems: 1 }));
    const root = render();
    expect(byTestId(root, 'connection-status')?.textContent).toBe(
      'オフライン — 保存済みのデータを表示しています',
    );
    expect(byTestId(root, 'connection-status')?.dataset.online).toBe('false');
    expect(byTestId(root, 'header-pending')?.textContent).toBe('未送信 3件');
    expect(byTestId(root, 'header-problems')?.textContent).toBe('同期の問題 1件');
    expect(byTestId(root, 'sync-indicator')?.getAttribute('aria-label')).toContain('未送信 3件、同期の問題 1件');

    // All sent and settled, back online: no count at all, rather than a reassuring 0件.
    sync.apply(status({ online: true, pending: 0, problems: 0 }));
    flushSync();
    expect(byTestId(root, 'connection-status')?.textContent).toBe('オンライン');
    expect(byTestId(root, 'header-pending')).toBeNull();
    expect(byTestId(root, 'header-problems')).toBeNull();
  });

  it('opens 同期の問題 from its indicator', () => {
    const root = render();
    byTestId(root, 'sync-indicator')?.click();
    expect(router.current.name).toBe('problems');
  });

  it('says 同期中… while 今すぐ同期 runs, and shows its failure with the code', async () => {
    let fail!: (error: CommandError) => void;
    fake.syncNow.mockReturnValue(new Promise((_, reject) => (fail = reject)));
    const root = render();
    const button = byTestId(root, 'sync-now') as HTMLButtonElement;
    button.click();
    flushSync();
    expect(button.disabled).toBe(true);
    expect(button.textContent).toContain('同期中…');

    fail({
      code: 'internal',
      message_ja: '同期できませんでした。',
      message_en: 'Could not sync.',
    });
    await vi.waitFor(() => expect(byTestId(root, 'header-error')).not.toBeNull());
    const alert = byTestId(root, 'header-error')!;
    expect(alert.dataset.code).toBe('internal');
    expect(alert.textContent).toContain('同期できませんでした。');
    expect(button.disabled).toBe(false);
    expect(button.textContent).toContain('今すぐ同期');
  });

  it('speaks English when asked, counts included', () => {
    sync.apply(status({ online: false, pending: 2 }));
    const root = render();
    byTestId(root, 'lang-toggle')?.click();
    flushSync();
    expect(byTestId(root, 'connection-status')?.textContent).toBe(
      'Offline — showing the data saved on this computer',
    );
    expect(byTestId(root, 'header-pending')?.textContent).toBe('2 unsent');
  });
});
