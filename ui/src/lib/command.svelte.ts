// One command at a time from a form or step (book, change, cancel, look up): its button is
// disabled while it runs, and its failure is shown until the next try.
import { normalizeError } from './errors';
import type { CommandError } from './types';

export class Command {
  busy = $state(false);
  error = $state<CommandError | null>(null);

  /**
   * Runs `work` unless a run is under way (a double click does not send twice), clearing the
   * last error first. Answers whether it ran and succeeded; a failure is kept in `error`.
   */
  async run(work: () => Promise<void>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.error = null;
    try {
      await work();
      return true;
    } catch (e) {
      this.error = normalizeError(e);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
