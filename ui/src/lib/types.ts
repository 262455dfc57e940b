// The contract with the Rust shell (src-tauri/commands). Keep in step with it.

/** Every error a command rejects with, in both languages. */
export type CommandError = {
  code: string;
  message_ja: string;
  message_en: string;
  /** A form's errors by field (`form.invalid`); absent otherwise. */
  fields?: FieldProblem[];
};

/** One field's error in a form. */
export type FieldProblem = { field: string; code: string; message_ja: string; message_en: string };

export type Settings = { server_url: string; default_municipality_code: string };

export type VenueInfo = { id: string; venue_number: number; name: string };

export type Role = 'clinic' | 'call_center' | 'city_admin';

export type AccountProfile = {
  municipality_code: string;
  municipality_name: string;
  account_id: string;
  display_name: string;
  role: Role;
  venues: VenueInfo[];
};

/** online=false: the server was unreachable and the login was checked against the local cache. */
export type Session = { profile: AccountProfile; online: boolean };

export type SyncStatus = {
  online: boolean;
  /** RFC 3339 */
  last_success_at: string | null;
  last_error: CommandError | null;
  /** Changes not yet sent to (or settled by) the city server: 未送信. */
  pending: number;
  /** Changes the city server refused and nobody has resolved: 同期の問題. */
  problems: number;
};

export type AppState = { settings: Settings; cache_db_url: string; version: string };

export type LoginRequest = {
  municipality_code: string;
  account_id: string;
  password: string;
  agreed_to_terms: boolean;
};

export type Visibility = 'public' | 'private';

/** One row of the `slot_list` view in the local cache. */
export type SlotRow = {
  slot_id: string;
  venue_id: string;
  venue_number: number;
  venue_name: string;
  vaccine_code: string;
  vaccine_name: string;
  slot_name: string;
  /** 'YYYY-MM-DD', a calendar date in Asia/Tokyo */
  date: string;
  /** 'HH:MM' */
  start_time: string;
  /** 'HH:MM' */
  end_time: string;
  visibility: Visibility;
  capacity: number;
  booked: number;
  remaining: number;
};
