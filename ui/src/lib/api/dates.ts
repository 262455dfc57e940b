// Dates as typed (西暦 or 和暦), read by yoyaku-core (src-tauri/commands/dates.rs: read_date).
import { call } from '../api';

/** 'birth': a 生年月日 (in the past); 'booking': any calendar date. */
export type DateKind = 'birth' | 'booking';

export const datesApi = {
  /** The date `input` names as 'YYYY-MM-DD'; rejects with the reason when it names none. */
  read: (input: string, kind: DateKind) => call<string>('read_date', { input, kind }),
};
