// The contract with the Rust shell: every type here comes from generated/ipc.ts, which
// src-tauri/lib.rs generates from the commands' Rust types (and a test checks it is fresh).
import type { BookingRow as LabelledRow } from './generated/ipc';

export type {
  AccountProfile,
  AppState,
  BookingStatus,
  Certainty,
  Code,
  CommandError,
  FieldProblem,
  IntervalCheck,
  LoginForm as LoginRequest,
  Role,
  Session,
  Settings,
  SlotRow,
  SyncState,
  SyncStatus,
  VenueInfo,
  Visibility,
} from './generated/ipc';

type Labels = 'starts_label' | 'status_label' | 'sync_state_label' | 'outside_label';

/** A row of the `day_list` view as the cache gives it: only the commands set the labels. */
export type BookingRow = Omit<LabelledRow, Labels> & Partial<Pick<LabelledRow, Labels>>;

/** A booking as the commands answer, with its labels. */
export type LabelledBookingRow = LabelledRow;
