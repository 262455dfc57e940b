// 同期の問題 (src-tauri/commands/problems.rs), and the sync wire types they return
// (yoyaku_core::sync: Action, Rejection, AlternativeSlot).
import { commands } from '../api';
import type { Action } from '../generated/ipc';

export type {
  Action,
  AlternativeSlot,
  DetailsChoice,
  DetailsConflict,
  ProblemResident,
  Rejection,
  ResidentKey,
  SyncProblem,
} from '../generated/ipc';

export type ActionType = Action['type'];

export const problemsApi = {
  list: commands.syncProblems,
  rebook: commands.rebookProblem,
  retry: commands.retryProblem,
  discard: commands.discardProblem,
  markCalled: commands.markProblemCalled,
  detailsConflicts: commands.detailsConflicts,
  resolveDetailsConflict: commands.resolveDetailsConflict,
};
