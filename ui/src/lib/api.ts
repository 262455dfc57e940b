// The shell's commands, as generated from their Rust signatures (generated/ipc.ts), each made to
// reject with a CommandError (see errors.ts), never with a raw string or an Error.
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { normalizeError } from './errors';
import { commands as generated, SYNC_STATUS_EVENT } from './generated/ipc';
import type { SyncStatus } from './types';

type Commands = typeof generated;

function guarded(all: Commands): Commands {
  const entries = Object.entries(all).map(([name, command]) => [
    name,
    async (...args: unknown[]) => {
      try {
        return await (command as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (error) {
        throw normalizeError(error);
      }
    },
  ]);
  return Object.fromEntries(entries) as Commands;
}

/** Every command of the shell; area modules (api/*.ts) name them for their screens. */
export const commands = guarded(generated);

export const api = {
  appState: commands.appState,
  login: commands.login,
  logout: commands.logout,
  /** The password again for the logged-in account, when the city says the session expired. */
  renewSession: commands.renewSession,
  /** Pulls now. Being offline is not an error: it resolves with online=false. */
  syncNow: commands.syncNow,
  syncStatus: commands.syncStatus,
  /** The system's print dialog for the window (the print stylesheet decides what is printed). */
  printPage: commands.printPage,
};

export { SYNC_STATUS_EVENT };

/** Subscribes to the background sync loop's status events. */
export async function onSyncStatus(handler: (status: SyncStatus) => void): Promise<UnlistenFn> {
  try {
    return await listen<SyncStatus>(SYNC_STATUS_EVENT, (event) => handler(event.payload));
  } catch (error) {
    throw normalizeError(error);
  }
}
