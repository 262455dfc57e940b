// 有効接種券, 住民情報登録, 住民検索, 住民情報 and 住所地外接種 (src-tauri/commands/residents.rs).
import { commands } from '../api';
import type { ResidentForm as WireForm, ResidentQuery } from '../generated/ipc';

/** The 住民情報登録 form as a screen holds it: every field there (blank until typed). */
export type ResidentForm = Required<WireForm>;

/** 住民検索's fields as the screen holds them; the page's `offset` is added when it asks. */
export type SearchFields = Required<Omit<ResidentQuery, 'offset'>>;

export type {
  Assessment,
  BookingHistory,
  Notice,
  OutOfMunicipalityCheck,
  OutsideChoice,
  OutsideStay,
  Reason,
  ReasonOption,
  Registration,
  RegistrationForm,
  ResidentDetails,
  ResidentKey,
  ResidentKeyInput,
  ResidentQuery,
  ResidentRecord,
  ResidentSearch,
  ResidentSearchRow,
  Sex,
  TicketLookup,
} from '../generated/ipc';
export type { BookingStatus, SyncState } from '../generated/ipc';

export const residentsApi = {
  lookupTicket: commands.lookupTicket,
  register: commands.registerResident,
  search: commands.searchResidents,
  detail: commands.residentDetail,
  outOfMunicipalityReasons: commands.outOfMunicipalityReasons,
  checkOutOfMunicipality: commands.checkOutOfMunicipality,
};
