// Application-level state and the actions that move between screens.
import { api } from './api';
import { contacts } from './contacts.svelte';
import { closeCache } from './db';
import { normalizeError } from './errors';
import { router } from './router.svelte';
import { sync } from './sync.svelte';
import type { AppState, CommandError, LoginRequest, Session } from './types';

class AppStore {
  /** From `app_state`: settings, the cache's read-only URL, the version. */
  state = $state<AppState | null>(null);
  /** Why `app_state` failed, if it did (shown on the login screen). */
  stateError = $state<CommandError | null>(null);
  ready = $state(false);
  session = $state<Session | null>(null);

  async init(): Promise<void> {
    try {
      this.state = await api.appState();
    } catch (error) {
      this.stateError = normalizeError(error);
    } finally {
      this.ready = true;
    }
  }

  /** Logs in and opens TOP. Rejects with a CommandError and stays on the login screen. */
  async login(request: LoginRequest): Promise<void> {
    const session = await api.login(request);
    this.session = session;
    router.go({ name: 'top' });
    void sync.start(session.online);
  }

  /**
   * Logs out and returns to the login screen. If the shell refuses, the user
   * stays signed in and gets the error.
   */
  async logout(): Promise<void> {
    await api.logout();
    sync.stop();
    contacts.forget();
    await closeCache();
    this.session = null;
    router.go({ name: 'login' });
  }
}

export const app = new AppStore();
