// The city admin's API (`/api/v1/admin/…`) as the city's console calls it, with the session's
// cookie and CSRF token (see ../lib/api).
import { ApiProblem, call, staff, type Schemas } from '../lib/api';

const enc = encodeURIComponent;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export type PeriodListed = Schemas['PeriodListed'];
export type PeriodOverview = Schemas['PeriodOverview'];
export type VenueReport = Schemas['VenueReport'];
export type ReportRow = Schemas['ReportRow'];
export type AuditFilter = Partial<Record<'account' | 'channel' | 'resident' | 'venue' | 'from' | 'to' | 'before', string>>;

export function auditQuery(filter: AuditFilter): string {
  return new URLSearchParams(
    Object.entries(filter).filter((entry): entry is [string, string] => !!entry[1]),
  ).toString();
}

export const admin = {
  periods: () => call<PeriodListed[]>('GET', '/api/v1/admin/periods'),
  period: (n: number) => call<PeriodOverview>('GET', `/api/v1/admin/periods/${n}`),
  createPeriod: (period: Schemas['NewPeriod']) => call<Schemas['PeriodSetUp']>('POST', '/api/v1/admin/periods', period),
  setCap: (n: number, clinic: string, doses: number) =>
    call<Schemas['CapInfo']>('PUT', `/api/v1/admin/periods/${n}/caps/${enc(clinic)}`, { doses }),
  open: (n: number) => call<Schemas['Opened']>('POST', `/api/v1/admin/periods/${n}/open`),
  enterReport: (n: number, report: Schemas['ReportRequest']) =>
    call<Schemas['SetUpReport']>('POST', `/api/v1/admin/periods/${n}/slot-reports`, report),
  /** A 予約枠報告様式 Excel file a clinic e-mailed, entered as it is. */
  importReportFile: (n: number, file: Blob, lateCorrection: boolean) =>
    call<Schemas['SetUpReport']>(
      'POST',
      `/api/v1/admin/periods/${n}/slot-reports.xlsx${lateCorrection ? '?late_correction=true' : ''}`,
      new Blob([file], { type: XLSX }),
    ),
  setUp: (id: string) => call<Schemas['ReportSetUp']>('POST', `/api/v1/admin/slot-reports/${enc(id)}/set-up`),
  sendBack: (id: string, reason: string) =>
    call<VenueReport>('POST', `/api/v1/admin/slot-reports/${enc(id)}/send-back`, { reason }),
  confirm: (id: string) => call<VenueReport>('POST', `/api/v1/admin/slot-reports/${enc(id)}/confirm`),
  vaccines: () => call<Schemas['VaccineList']>('GET', '/api/v1/admin/vaccines'),
  accounts: () => call<Schemas['AccountList']>('GET', '/api/v1/admin/accounts'),
  createAccount: (account: Schemas['NewAccount']) =>
    call<Schemas['AccountSummary']>('POST', '/api/v1/admin/accounts', account),
  resetPassword: (id: string, password: string) =>
    call<void>('POST', `/api/v1/admin/accounts/${enc(id)}/password`, { password }),
  lock: (id: string) => call<void>('POST', `/api/v1/admin/accounts/${enc(id)}/lock`),
  unlock: (id: string) => call<void>('POST', `/api/v1/admin/accounts/${enc(id)}/unlock`),
  venues: () => call<Schemas['VenueList']>('GET', '/api/v1/admin/venues'),
  createVenue: (venue: Schemas['NewVenue']) => call<Schemas['VenueSummary']>('POST', '/api/v1/admin/venues', venue),
  audit: (filter: AuditFilter) => call<Schemas['AuditPage']>('GET', `/api/v1/admin/audit?${auditQuery(filter)}`),
};

/** Progress of a ticket import: the file going up (0–1), then the server checking it (null). */
export type ImportProgress = number | null;

/** Uploads the 有効接種券 CSV, reporting the upload's progress (fetch cannot). Resolves with the
 *  import's report; rejects with the refusal (every bad line in `problem.errors`). */
export function importTickets(
  file: Blob,
  replace: boolean,
  onprogress: (progress: ImportProgress) => void,
): Promise<Schemas['ImportReport']> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `/api/v1/admin/valid-tickets/import${replace ? '?mode=replace' : ''}`);
    request.setRequestHeader('Content-Type', 'text/csv');
    request.setRequestHeader('Accept', 'application/json, application/problem+json');
    if (staff.csrf) request.setRequestHeader('X-Yoyaku-CSRF', staff.csrf);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onprogress(event.loaded / event.total);
    };
    // Sent: the server now reads and checks every line.
    request.upload.onload = () => onprogress(null);
    request.onerror = () =>
      reject(
        new ApiProblem({
          code: 'network.unreachable',
          message_ja: '市のサーバーにつながりませんでした。取り込みは行われていません。もう一度お試しください。',
          message_en: 'The city server could not be reached. Nothing was imported. Please try again.',
        }),
      );
    request.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = undefined;
      }
      if (request.status === 200) resolve(body as Schemas['ImportReport']);
      else if (body && typeof body === 'object' && 'code' in body) reject(new ApiProblem(body as Schemas['Problem']));
      else
        reject(
          new ApiProblem({
            code: 'server.refused',
            message_ja: '市のサーバーから読めない応答がありました。取り込まれたかどうかを一覧で確かめてください。',
            message_en: 'The city server gave an answer that could not be read. Check whether the import happened.',
          }),
        );
    };
    request.send(file);
  });
}
