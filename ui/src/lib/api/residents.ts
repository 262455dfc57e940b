// 有効接種券, 住民情報登録, 住民検索, 住民情報 and 住所地外接種 (src-tauri/commands/residents.rs).
import { call } from '../api';
import type { BookingStatus, SyncState } from '../types';

/** 自治体番号 + 接種券番号 + 生年月日 ('YYYY-MM-DD'), as the engine parsed them. */
export type ResidentKey = { municipality_code: string; ticket_number: string; birth_date: string };

/** The key as typed: `ticket` is the 10-digit number or the 18-digit OCR line; any date spelling. */
export type ResidentKeyInput = { municipality_code?: string; ticket: string; birth_date: string };

export type Sex = 'male' | 'female' | 'unset';

/** 予約者情報 as registered (already checked and normalised by the engine). */
export type ResidentDetails = {
  family_name_kana: string;
  given_name_kana: string;
  sex: Sex;
  phone: string;
  email: string | null;
  memo: string;
};

/** The 住民情報登録 form as typed. */
export type ResidentForm = {
  family_name_kana: string;
  given_name_kana: string;
  sex: Sex | null;
  phone: string;
  email: string;
  memo: string;
};

/** The 住所地外 step's answers (manual 2-3). */
export type OutsideChoice = { reason: Reason; notification_received: boolean };

/** 住民情報登録's form; `outside` for a ticket of another municipality (left out in a 情報変更:
 * the stay held is kept). */
export type RegistrationForm = ResidentKeyInput & ResidentForm & { outside?: OutsideChoice | null };

/** A 市外住民's reason and the 住所地外接種届's state. */
export type OutsideStay = { reason: Reason; notification: 'not_required' | 'pending' | 'received' };

export type { BookingStatus, SyncState } from '../types';

/** One booking of a resident (予約履歴 / 接種履歴). */
export type BookingHistory = {
  booking_id: string;
  dose: number;
  status: BookingStatus;
  status_label_ja: string;
  date: string;
  start_time: string;
  end_time: string;
  /** The slot, for 予約枠詳細. */
  slot_id: string;
  slot_name: string;
  venue_name: string;
  vaccine_name: string;
  channel: string;
  lot_number: string | null;
  vaccinated_at: string | null;
  sync_state: SyncState;
};

export type Notice = { code: string; message_ja: string; message_en: string };

/** 「次へ進む」's answer. */
export type TicketLookup = {
  key: ResidentKey;
  verified: boolean;
  online: boolean;
  registered: boolean;
  details: ResidentDetails | null;
  out_of_municipality: boolean;
  /** A registered 市外住民's stay, and as the screens say it: 住所地外（届出未確認）… */
  outside: OutsideStay | null;
  outside_label: string | null;
  history: BookingHistory[];
  notice: Notice | null;
};

export type Registration = {
  key: ResidentKey;
  details: ResidentDetails;
  outside: OutsideStay | null;
  outside_label: string | null;
  /** False: already registered as entered, nothing queued. */
  changed: boolean;
  verified: boolean;
};

export type ResidentQuery = {
  ticket_number: string;
  phone: string;
  family_name_kana: string;
  given_name_kana: string;
};

/** The page from `offset` (0 for 「検索」). */
export type ResidentPageQuery = ResidentQuery & { offset: number };

export type ResidentSearchRow = {
  municipality_code: string;
  ticket_number: string;
  birth_date: string;
  family_name_kana: string | null;
  given_name_kana: string | null;
  sex: string | null;
  phone: string | null;
  verified: boolean;
  dose1_date: string | null;
  dose1_status: BookingStatus | null;
  dose2_date: string | null;
  dose2_status: BookingStatus | null;
  sync_state: SyncState;
};

/** One page of the matches, and how many match in all ('1-20 / 53件'). */
export type ResidentSearch = { rows: ResidentSearchRow[]; total: number; offset: number; page_size: number };

/** 住民情報. */
export type ResidentRecord = {
  key: ResidentKey;
  verified: boolean;
  details: ResidentDetails | null;
  sync_state: SyncState;
  doses: BookingHistory[];
  bookings: BookingHistory[];
  vaccinations: BookingHistory[];
  outside: OutsideStay | null;
  outside_label: string | null;
};

export type Reason =
  | 'returning_home_for_childbirth'
  | 'working_away_from_family'
  | 'student_living_away'
  | 'abuse_victim'
  | 'inpatient_or_resident'
  | 'underlying_condition_with_own_doctor'
  | 'disaster_victim'
  | 'detained'
  | 'other';

export type ReasonOption = { reason: Reason; label_ja: string; label_en: string };

export type Assessment = 'notification_required' | 'no_notification_needed' | 'refer_to_call_center';

export type OutOfMunicipalityCheck = {
  reason: Reason;
  label_ja: string;
  label_en: string;
  assessment: Assessment;
  guidance_ja: string;
  guidance_en: string;
  may_book_here: boolean;
};

export const residentsApi = {
  lookupTicket: (key: ResidentKeyInput) => call<TicketLookup>('lookup_ticket', { key }),
  register: (form: RegistrationForm) => call<Registration>('register_resident', { form }),
  search: (query: ResidentPageQuery) => call<ResidentSearch>('search_residents', { query }),
  detail: (municipalityCode: string, ticketNumber: string) =>
    call<ResidentRecord>('resident_detail', { municipalityCode, ticketNumber }),
  outOfMunicipalityReasons: () => call<ReasonOption[]>('out_of_municipality_reasons'),
  checkOutOfMunicipality: (reason: Reason) => call<OutOfMunicipalityCheck>('check_out_of_municipality', { reason }),
};
