/**
 * Keeps only the newest of overlapping reads. Screens read again on every sync status and every
 * change of what is chosen; an older answer that arrives last must not replace a newer one.
 * Each start() hands back a check that stays true until the next start().
 */
export class Latest {
  #count = 0;

  start(): () => boolean {
    const mine = ++this.#count;
    return () => mine === this.#count;
  }
}
