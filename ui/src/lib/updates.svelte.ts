// Where the app's updates stand, for the notice on TOP and 問い合わせ先: fed by the shell's
// 'update-status' events and read once when the window starts.
import { onUpdateStatus, updatesApi, type UpdateStatus } from './api/updates';
import { normalizeError } from './errors';
import type { CommandError } from './types';

export class UpdateMonitor {
  currentVersion = $state<string | null>(null);
  status = $state<UpdateStatus>({ state: 'not_checked' });
  /** A check or an install is running. */
  busy = $state(false);
  error = $state<CommandError | null>(null);
  #started = false;

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    let eventsSeen = 0;
    try {
      await onUpdateStatus((status) => {
        eventsSeen += 1;
        this.status = status;
      });
      const view = await updatesApi.view();
      this.currentVersion = view.current_version;
      if (eventsSeen === 0) this.status = view.status;
    } catch (error) {
      this.error = normalizeError(error);
    }
  }

  /** 更新を確認; its outcome arrives as status events, which are never older than the answer. */
  async check(): Promise<void> {
    await this.#run(async () => {
      const view = await updatesApi.check();
      this.currentVersion = view.current_version;
    });
  }

  /** Installs and restarts; refused (and said why) while anything is unsent. */
  async install(): Promise<void> {
    await this.#run(() => updatesApi.install());
  }

  async #run(step: () => Promise<unknown>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    try {
      await step();
    } catch (error) {
      this.error = normalizeError(error);
    } finally {
      this.busy = false;
    }
  }
}

export const updates = new UpdateMonitor();
