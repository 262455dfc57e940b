// 予約枠報告 (src-tauri/commands/slot_reports.rs).
import { commands } from '../api';

export type {
  ClinicPeriod,
  ClinicVenue,
  ReportDraft,
  ReportForm,
  ReportedSlot,
  ReportFile,
  RowInput,
  SlotReportScreen,
  Submitted,
  UnsentReport,
} from '../generated/ipc';

export const slotReportsApi = {
  screen: commands.slotReports,
  submit: commands.submitSlotReport,
  discard: commands.discardUnsentReport,
  readFile: commands.readReportFile,
  saveFile: commands.saveReportFile,
};
