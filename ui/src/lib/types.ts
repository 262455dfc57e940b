// The contract with the Rust shell (src-tauri/commands). Keep in step with it.

/** Every error a command rejects with, in both languages. */
export type CommandError = {
  code: string;
  message_ja: string;
  message_en: string;
  /** A form's errors by field (`form.invalid`); absent otherwise. */
  fields?: FieldProblem[];
  /** For a refusal by the city server: choose again, or resolve it under 同期の問題. */
  way_out?: 'choose_again' | 'sync_problems';
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

export type BookingStatus = 'reserved' | 'cancelled' | 'checked_in' | 'vaccinated' | 'no_show';

/** A booking's badge (view `booking_state`): synced, pending (未送信), tentative (仮予約) or rejected (同期の問題). */
export type SyncState = 'synced' | 'pending' | 'tentative' | 'rejected';

/** A booking with its slot and resident: a row of the `day_list` view (yoyaku_clinic::BookingRow). */
export type BookingRow = {
  booking_id: string;
  venue_id: string;
  venue_name: string;
  vaccine_code: string;
  /** 接種ワクチン */
  vaccine_name: string;
  /** 'YYYY-MM-DD' */
  date: string;
  /** 'HH:MM' */
  start_time: string;
  end_time: string;
  slot_id: string;
  slot_name: string;
  visibility: Visibility;
  /** 自治体番号 */
  municipality_code: string;
  /** 接種券番号 */
  ticket_number: string;
  birth_date: string;
  family_name_kana: string | null;
  given_name_kana: string | null;
  phone: string | null;
  dose: number;
  status: BookingStatus;
  channel: string;
  /** ロット番号 */
  lot_number: string | null;
  /** RFC 3339 */
  vaccinated_at: string | null;
  sync_state: SyncState;
  /** 住所地外 (manual 2-3): a 市外住民's reason and the notification's state. */
  outside_reason: string | null;
  notification: string | null;
  /** Set by the commands, not by the view: 予約開始日付 as `2021-05-15 09:00~`. */
  starts_label?: string;
  status_label?: string;
  sync_state_label?: string;
  /** Set by the commands: 住所地外（届出未確認） and the like. */
  outside_label?: string | null;
};

/** A booking as the book and cancel commands answer, with the labels they always set. */
export type LabelledBookingRow = BookingRow & Required<Pick<BookingRow, 'starts_label' | 'status_label' | 'sync_state_label'>>;

/** Whether the city server can still refuse a booking, and why (予約確定 or 仮予約). */
export type Certainty =
  | { kind: 'private_slot' }
  | { kind: 'leased_seat'; lease_id: string }
  | { kind: 'taken_by_city' }
  | { kind: 'tentative'; reason: 'public_seat' | 'resident_not_accepted' | 'notification_pending' };

/** How a dose's date relates to the previous dose (only late_warning comes back with a booking). */
export type IntervalCheck =
  | { kind: 'ok' }
  | { kind: 'late_warning'; days: number; warn_after_days: number }
  | { kind: 'too_early'; days: number; earliest: string };
