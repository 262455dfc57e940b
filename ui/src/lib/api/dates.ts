// Dates as typed (西暦 or 和暦), read by yoyaku-core (src-tauri/commands/dates.rs: read_date).
import { commands } from '../api';

export type { DateKind } from '../generated/ipc';

export const datesApi = {
  /** The date `input` names as 'YYYY-MM-DD'; rejects with the reason when it names none. */
  read: commands.readDate,
};
