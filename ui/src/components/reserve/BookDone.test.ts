// @vitest-environment jsdom
// 予約完了 rendered for real: it says 予約確定 only of a booking the engine called certain, and
// for a 仮予約 says what it waits for and where a refusal will show. The shell behind the IPC is
// a fake (the second-dose plan it asks for).
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Booked } from '../../lib/api/reserve';

vi.mock('../../lib/api/reserve', async (original) => ({
  ...(await original<typeof import('../../lib/api/reserve')>()),
  reserveApi: { secondDosePlan: () => new Promise(() => {}) },
}));

const { default: BookDone } = await import('./BookDone.svelte');

const booking = {
  booking_id: '7c1f0b0e-0d5c-4d3a-9c55-2f3a1b0c9d11',
  venue_name: 'さくら内科クリニック',
  vaccine_name: 'ファイザー',
  date: '2026-12-08',
  start_time: '09:00',
  end_time: '09:30',
  ticket_number: '9000000062',
  dose: 1,
  sync_state: 'pending',
  sync_state_label: '未送信',
};

function booked(certainty: Booked['certainty'], certainty_label: string): Booked {
  return { booking, certainty, certainty_label, interval_warning: null, private_first: null } as unknown as Booked;
}

let shown: ReturnType<typeof mount> | null = null;

function render(props: Booked): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  shown = mount(BookDone, { target, props: { booked: props, onsecond: () => {}, onresident: () => {} } });
  flushSync();
  return target;
}

afterEach(() => {
  if (shown) unmount(shown);
  shown = null;
  document.body.replaceChildren();
});

describe('BookDone', () => {
  it.each([
    [{ kind: 'private_slot' } as const, null],
    [{ kind: 'leased_seat', lease_id: 'a8b0c1d2-0000-4000-8000-000000000001' } as const, null],
    [{ kind: 'taken_by_city' } as const, '市のサーバーで受け付けられ、確定しました。'],
  ])('says 予約確定 of a certain booking (%o)', (certainty, note) => {
    const root = render(booked(certainty, '予約確定'));
    expect(root.querySelector('[data-testid="book-certainty"]')?.textContent).toBe('予約確定');
    expect(root.querySelector('[data-testid="book-done"]')?.getAttribute('data-certainty')).toBe(certainty.kind);
    expect(root.querySelector('[data-testid="book-certainty-note"]')?.textContent?.trim() ?? null).toBe(note);
  });

  it.each([
    ['public_seat', '公開枠を市のサーバーの確認なしで予約したため仮予約です'],
    ['resident_not_accepted', '予約者情報の登録・変更がまだ市のサーバーで受け付けられていないため仮予約です'],
    ['notification_pending', '住所地外接種届の受理が確認できていないため仮予約です'],
  ] as const)('says 仮予約, never 予約確定, and why (%s)', (reason, words) => {
    const root = render(booked({ kind: 'tentative', reason }, '仮予約'));
    expect(root.querySelector('[data-testid="book-certainty"]')?.textContent).toBe('仮予約');
    expect(root.querySelector('h3')?.classList.contains('tentative')).toBe(true);
    const note = root.querySelector('[data-testid="book-certainty-note"]');
    expect(note?.getAttribute('data-reason')).toBe(reason);
    expect(note?.textContent).toContain(words);
    expect(root.textContent).not.toContain('予約確定');
    expect(root.textContent).not.toContain('確定しました');
  });
});
