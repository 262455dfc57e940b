// 同期の問題: typed wrappers around src-tauri/commands/problems.rs, and the sync wire types they
// return (yoyaku_core::sync: Action, Rejection, AlternativeSlot).
import { call } from '../api';
import type { Visibility } from '../types';
import type { ResidentDetails } from './residents';

export type ResidentKey = { municipality_code: string; ticket_number: string; birth_date: string };

/** What a receptionist did, as it was sent to the city server (tagged by "type"). */
export type Action =
  | { type: 'register_resident'; resident: ResidentKey; details: unknown; based_on?: unknown }
  | { type: 'book'; booking_id: string; resident: ResidentKey; slot_id: string; dose: number; lease_id: string | null }
  | { type: 'cancel'; booking_id: string }
  | { type: 'change_booking'; booking_id: string; new_booking_id: string; slot_id: string }
  | { type: 'same_day_move'; booking_id: string; slot_id: string }
  | { type: 'check_in'; booking_id: string }
  | { type: 'record_vaccination'; booking_id: string; lot_number: string; vaccinated_at: string }
  | { type: 'mark_no_show'; booking_id: string };

export type ActionType = Action['type'];

/** A slot the server proposes instead. */
export type AlternativeSlot = {
  slot_id: string;
  venue_id: string;
  venue_name: string;
  /** RFC 3339 */
  starts_at: string;
  ends_at: string;
  remaining: number;
  /** 公開枠 or 非公開枠; absent in a refusal stored before the city sent it. */
  visibility?: Visibility;
};

export type Rejection = {
  code: string;
  message_ja: string;
  message_en: string;
  alternatives: AlternativeSlot[];
  /** Set when this was refused because the intent it depends on was. */
  caused_by: string | null;
};

/** Whom a problem concerns, to phone them back (absent when the cache holds no such resident). */
export type ProblemResident = {
  municipality_code: string;
  ticket_number: string;
  family_name_kana: string | null;
  given_name_kana: string | null;
  phone: string | null;
};

export type SyncProblem = {
  intent_id: string;
  /** RFC 3339 */
  created_at: string;
  settled_at: string | null;
  action: Action;
  rejection: Rejection;
  resident: ProblemResident | null;
  /** When the resident was marked as called about it (RFC 3339); null until then. */
  called_at: string | null;
};

/** 予約者情報 the city kept over this clinic's registration: both, to choose between. */
export type DetailsConflict = {
  intent_id: string;
  municipality_code: string;
  ticket_number: string;
  /** What this clinic registered. */
  clinic: ResidentDetails;
  /** What the city holds (and keeps until this clinic's are chosen). */
  city: ResidentDetails;
  /** RFC 3339 */
  settled_at: string;
};

/** 'city': 市の情報を使う; 'clinic': この端末の情報で変更する (a 情報変更 based on the city's). */
export type DetailsChoice = 'city' | 'clinic';

export const problemsApi = {
  list: () => call<SyncProblem[]>('sync_problems'),
  rebook: (intentId: string, slotId: string) => call<void>('rebook_problem', { intentId, slotId }),
  retry: (intentId: string) => call<void>('retry_problem', { intentId }),
  discard: (intentId: string) => call<void>('discard_problem', { intentId }),
  markCalled: (intentId: string, called: boolean) => call<SyncProblem>('mark_problem_called', { intentId, called }),
  detailsConflicts: () => call<DetailsConflict[]>('details_conflicts'),
  resolveDetailsConflict: (intentId: string, choice: DetailsChoice) => call<void>('resolve_details_conflict', { intentId, choice }),
};
