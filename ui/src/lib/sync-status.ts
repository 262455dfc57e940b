import type { SyncStatus } from './types';

/** True when the status has never recorded a sync attempt, successful or not. */
export function isPristine(status: SyncStatus): boolean {
  return status.last_success_at === null && status.last_error === null;
}

/**
 * The status to show right after login. The login itself found out whether the
 * server is reachable; a status that has not recorded any attempt yet carries
 * no news about that, so the login's answer stands until the loop reports.
 */
export function initialSyncStatus(sessionOnline: boolean, status: SyncStatus): SyncStatus {
  return isPristine(status) ? { ...status, online: sessionOnline } : status;
}
