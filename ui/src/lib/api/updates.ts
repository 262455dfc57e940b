// The app's updates from the city's signed feed (src-tauri/updates.rs).
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { commands } from '../api';
import { normalizeError } from '../errors';
import { UPDATE_STATUS_EVENT, type UpdateStatus } from '../generated/ipc';

export type { UpdateStatus, UpdateView, UnsentWork } from '../generated/ipc';

export const updatesApi = {
  view: commands.updateStatus,
  /** 更新を確認: checks the feed now and downloads what is newer. */
  check: commands.checkForUpdate,
  /** 更新して再起動: refused while anything is unsent. */
  install: commands.installUpdate,
};

/** Subscribes to every change of the update status. */
export async function onUpdateStatus(handler: (status: UpdateStatus) => void): Promise<UnlistenFn> {
  try {
    return await listen<UpdateStatus>(UPDATE_STATUS_EVENT, (event) => handler(event.payload));
  } catch (error) {
    throw normalizeError(error);
  }
}
