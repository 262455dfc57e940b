import { describe, expect, it } from 'vitest';
import { Command } from './command.svelte';

describe('Command', () => {
  it('is busy while the work runs and clears the last error', async () => {
    const command = new Command();
    command.error = { code: 'network.unreachable', message_ja: '前', message_en: 'before' };
    let busyInside = false;
    const ok = await command.run(async () => {
      busyInside = command.busy;
    });
    expect(ok).toBe(true);
    expect(busyInside).toBe(true);
    expect(command.busy).toBe(false);
    expect(command.error).toBeNull();
  });

  it('keeps a failure as a CommandError and answers false', async () => {
    const command = new Command();
    const failure = { code: 'slot.full', message_ja: '満枠です', message_en: 'Full' };
    const ok = await command.run(async () => {
      throw failure;
    });
    expect(ok).toBe(false);
    expect(command.busy).toBe(false);
    expect(command.error).toEqual(failure);
  });

  it('gives a thrown Error the generic bilingual message', async () => {
    const command = new Command();
    await command.run(async () => {
      throw new Error('boom');
    });
    expect(command.error?.code).toBe('unknown');
    expect(command.error?.message_en).toContain('boom');
  });

  it('does not start a second run while one is under way', async () => {
    const command = new Command();
    let release!: () => void;
    let runs = 0;
    const first = command.run(async () => {
      runs += 1;
      await new Promise<void>((resolve) => (release = resolve));
    });
    const second = await command.run(async () => {
      runs += 1;
    });
    expect(second).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(runs).toBe(1);
  });
});
