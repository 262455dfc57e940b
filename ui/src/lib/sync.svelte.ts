// The connection and sync state shown in the header of every signed-in screen.
// Fed by the 'sync-status' events of the shell's background loop, by
// `sync_status` once at start, and by `sync_now`.
import type { UnlistenFn } from '@tauri-apps/api/event';
import { api, onSyncStatus } from './api';
import { normalizeError } from './errors';
import { initialSyncStatus } from './sync-status';
import type { CommandError, SyncStatus } from './types';

export class SyncMonitor {
  online = $state(false);
  lastSuccessAt = $state<string | null>(null);
  lastError = $state<CommandError | null>(null);
  /** 未送信: changes not yet settled by the city server. */
  pending = $state(0);
  /** 同期の問題: refusals nobody has resolved. */
  problems = $state(0);
  /** A `sync_now` is running. */
  syncing = $state(false);
  /** Bumped whenever a status arrives: screens re-read the cache on it. */
  revision = $state(0);

  #generation = 0;
  #unlisten: UnlistenFn | null = null;
  #eventsSeen = 0;

  apply(status: SyncStatus): void {
    this.online = status.online;
    this.lastSuccessAt = status.last_success_at;
    this.lastError = status.last_error;
    this.pending = status.pending;
    this.problems = status.problems;
    this.revision += 1;
  }

  /** Starts following the loop after a login; `sessionOnline` is the login's answer. */
  async start(sessionOnline: boolean): Promise<void> {
    this.stop();
    const generation = this.#generation;
    this.online = sessionOnline;
    this.lastSuccessAt = null;
    this.lastError = null;
    this.#eventsSeen = 0;

    try {
      const unlisten = await onSyncStatus((status) => {
        if (generation !== this.#generation) return;
        this.#eventsSeen += 1;
        this.apply(status);
      });
      if (generation !== this.#generation) {
        unlisten();
        return;
      }
      this.#unlisten = unlisten;
    } catch (error) {
      if (generation === this.#generation) this.lastError = normalizeError(error);
    }

    try {
      const status = await api.syncStatus();
      // An event that came in meanwhile is newer than this answer.
      if (generation !== this.#generation || this.#eventsSeen > 0) return;
      this.apply(initialSyncStatus(sessionOnline, status));
    } catch (error) {
      if (generation === this.#generation) this.lastError = normalizeError(error);
    }
  }

  /** Runs `sync_now`; resolves with the error if the command itself failed. */
  async syncNow(): Promise<CommandError | null> {
    if (this.syncing) return null;
    const generation = this.#generation;
    this.syncing = true;
    try {
      const status = await api.syncNow();
      if (generation === this.#generation) this.apply(status);
      return null;
    } catch (error) {
      return normalizeError(error);
    } finally {
      if (generation === this.#generation) this.syncing = false;
    }
  }

  stop(): void {
    this.#generation += 1;
    this.#unlisten?.();
    this.#unlisten = null;
    this.syncing = false;
  }
}

export const sync = new SyncMonitor();
