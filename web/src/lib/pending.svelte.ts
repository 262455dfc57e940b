// A form's submission: busy while it runs, and the problem it met, which the form shows.
import { asProblem, type Problem } from './api';

export class Pending {
  busy = $state(false);
  problem = $state<Problem | null>(null);

  /** Runs `act` unless one is running; its refusal becomes `problem`. True when it succeeded. */
  async run(act: () => Promise<unknown>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.problem = null;
    try {
      await act();
      return true;
    } catch (error) {
      this.problem = asProblem(error);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
