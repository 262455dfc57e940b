// Long lists (a busy day's 受付 and 4-1 list, the slot list) are put on screen in steps: the first
// rows in the frame after the data arrives, the rest over the following frames. A few hundred
// table rows at once would hold the window for well over 100 ms; the first screenful is what the
// receptionist reads and acts on first.

/** No row of these lists is shorter than this (CSS pixels): one line of text and its padding. */
const SHORTEST_ROW_PX = 30;
/** Rows added per frame after the first. */
export const ROWS_PER_FRAME = 120;

/** Rows in the first frame: as many as the window could show if a list filled all its height,
 *  so that the first frame is a screenful however large the window, and no more (each row costs
 *  the first frame time). */
export function firstRows(windowHeight: number = window.innerHeight): number {
  return Math.max(1, Math.ceil(windowHeight / SHORTEST_ROW_PX));
}

type Schedule = (run: () => void) => number;
type Cancel = (handle: number) => void;

export class Reveal {
  /** How many rows to render now. */
  count = $state(0);
  /** How many rows there are. */
  total = $state(0);
  /** Every row is on screen (aria-busy is its opposite). */
  readonly complete = $derived(this.count >= this.total);

  #schedule: Schedule;
  #cancel: Cancel;
  #first: () => number;
  #pending: number | null = null;
  #key: string | null = null;

  constructor(
    schedule: Schedule = (run) => requestAnimationFrame(run),
    cancel: Cancel = (handle) => cancelAnimationFrame(handle),
    first: () => number = () => firstRows(),
  ) {
    this.#schedule = schedule;
    this.#cancel = cancel;
    this.#first = first;
  }

  /** A new list (another day, a first read): start again from the first rows. */
  start(total: number): void {
    this.#stop();
    this.total = total;
    this.count = Math.min(total, this.#first());
    this.#next();
  }

  /** The same list read again (after a sync or a row's update): rows already shown stay shown. */
  update(total: number): void {
    this.total = total;
    const first = Math.min(total, this.#first());
    if (this.count > total) this.count = total;
    if (this.count < first) this.count = first;
    if (this.#pending === null) this.#next();
  }

  /** Rows of the list named `key` (a day, say): the same list read again keeps what is shown;
   *  another starts from the first rows. */
  show(key: string, total: number): void {
    if (key === this.#key) {
      this.update(total);
    } else {
      this.#key = key;
      this.start(total);
    }
  }

  /** Every row now (before printing, say). */
  finish(): void {
    this.#stop();
    this.count = this.total;
  }

  #next(): void {
    if (this.count >= this.total) return;
    this.#pending = this.#schedule(() => {
      this.#pending = null;
      this.count = Math.min(this.total, this.count + ROWS_PER_FRAME);
      this.#next();
    });
  }

  #stop(): void {
    if (this.#pending !== null) this.#cancel(this.#pending);
    this.#pending = null;
  }
}
