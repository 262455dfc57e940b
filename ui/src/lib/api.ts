// Typed wrappers around the shell's commands. Every wrapper rejects with a
// CommandError (see errors.ts), never with a raw string or an Error.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { normalizeError } from './errors';
import type { AppState, LoginRequest, Session, SyncStatus } from './types';

/** Calls a shell command; rejects with a CommandError. Area modules (api/*.ts) build on it. */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw normalizeError(error);
  }
}

export const api = {
  appState: () => call<AppState>('app_state'),
  login: (request: LoginRequest) => call<Session>('login', { request }),
  logout: () => call<void>('logout'),
  /** The password again for the logged-in account, when the city says the session expired. */
  renewSession: (password: string) => call<Session>('renew_session', { password }),
  /** Pulls now. Being offline is not an error: it resolves with online=false. */
  syncNow: () => call<SyncStatus>('sync_now'),
  syncStatus: () => call<SyncStatus>('sync_status'),
  /** The system's print dialog for the window (the print stylesheet decides what is printed). */
  printPage: () => call<void>('print_page'),
};

export const SYNC_STATUS_EVENT = 'sync-status';

/** Subscribes to the background sync loop's status events. */
export async function onSyncStatus(handler: (status: SyncStatus) => void): Promise<UnlistenFn> {
  try {
    return await listen<SyncStatus>(SYNC_STATUS_EVENT, (event) => handler(event.payload));
  } catch (error) {
    throw normalizeError(error);
  }
}
