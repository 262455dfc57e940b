// Opening day's waiting room (順番待ち), when the city keeps one: the page takes a place in line
// on arrival, keeps its signed token for this tab (so a reload keeps the place), shows the
// position and the wait the server estimates, and sends the place with the booking.
import { api, ApiProblem, type Problem, type Schemas } from '../lib/api';

type Place = Schemas['PlaceInLine'];

/** Refresh the wait at least this often while in line, so the estimate stays honest. */
const REFRESH_MS = 5_000;

export class Line {
  /** `none`: the city keeps no line now; book directly. */
  state = $state<'joining' | 'none' | 'waiting' | 'admitted'>('joining');
  place = $state<Place | null>(null);
  problem = $state<Problem | null>(null);

  #municipality = '';
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Takes (or, after a reload, takes back) this tab's place in the municipality's line. */
  async join(municipality: string): Promise<void> {
    this.#municipality = municipality;
    const kept = storage()?.getItem(storageKey(municipality));
    try {
      this.#show(kept ? await api.place(kept) : await api.enterLine(municipality));
      this.problem = null;
    } catch (error) {
      if (error instanceof ApiProblem && error.code === 'waiting_room.closed') {
        this.state = 'none';
        this.place = null;
        storage()?.removeItem(storageKey(municipality));
      } else if (kept && error instanceof ApiProblem && error.code.startsWith('waiting_room.')) {
        // A place that expired or cannot be read: a new one, at the back of today's line.
        storage()?.removeItem(storageKey(municipality));
        return this.join(municipality);
      } else {
        this.problem = error instanceof ApiProblem ? error.problem : null;
        this.#later(REFRESH_MS);
      }
    }
  }

  /** What a booking sends in `X-Yoyaku-Waiting-Room`: the place, when there is a line. */
  get token(): string | null {
    return this.state === 'none' ? null : (this.place?.token ?? null);
  }

  /** Whether the resident may book now. */
  get open(): boolean {
    return this.state === 'none' || this.state === 'admitted';
  }

  #show(place: Place): void {
    this.place = place;
    storage()?.setItem(storageKey(this.#municipality), place.token);
    this.state = place.admitted ? 'admitted' : 'waiting';
    if (!place.admitted) this.#later(Math.min(REFRESH_MS, Math.max(500, place.wait_seconds * 1000)));
  }

  #later(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.join(this.#municipality), ms);
  }
}

const storageKey = (municipality: string) => `yoyaku.waiting-room.${municipality}`;

function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}
