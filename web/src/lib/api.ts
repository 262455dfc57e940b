// The city API as the browser pages call it: same origin, JSON in and out, and every refusal an
// RFC 9457 problem whose words (Japanese and English) the page shows as they are.
import type { components } from '../generated/city-api';

export type Schemas = components['schemas'];
export type Problem = Pick<Schemas['Problem'], 'code' | 'message_ja' | 'message_en'> &
  Partial<Schemas['Problem']>;

/** A refusal, or a failure to reach the server, with words a resident can act on. */
export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message_en);
  }

  get code(): string {
    return this.problem.code;
  }
}

const UNREACHABLE: Problem = {
  code: 'network.unreachable',
  message_ja: '市のサーバーにつながりませんでした。通信状況を確かめて、もう一度お試しください。',
  message_en: 'The city server could not be reached. Check your connection and try again.',
};

/** A write with no answer may still have been done: the line can drop after the server acted.
 *  Asking again is safe (a booking is sent again with its own id, and answered with itself). */
const UNANSWERED: Problem = {
  code: 'network.unreachable',
  message_ja:
    '市のサーバーから応答がありませんでした。受け付けられたかどうかは確認できていません。通信状況を確かめて、もう一度お試しください（同じ予約が二重になることはありません）。',
  message_en:
    'The city server did not answer, so it is not known whether this was done. Check your connection and try again (the same booking is never made twice).',
};

const UNREADABLE: Problem = {
  code: 'server.refused',
  message_ja: '市のサーバーから読めない応答がありました。しばらくしてからもう一度お試しください。',
  message_en: 'The city server gave an answer that could not be read. Please try again in a while.',
};

type Method = 'GET' | 'POST' | 'PUT';

/** A console's session: its writes carry the CSRF token, and while the call center operates for
 *  a clinic (代理操作) every request names it. The residents' page sets neither. */
export const staff: { csrf: string | null; onBehalfOf: string | null } = { csrf: null, onBehalfOf: null };

/** Calls `path`; the answer's JSON, or an [`ApiProblem`] thrown. */
export async function call<T>(
  method: Method,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  let response: Response;
  // A file goes as it is, under its own type; anything else as JSON.
  const file = body instanceof Blob ? body : null;
  try {
    response = await fetch(path, {
      method,
      headers: {
        Accept: 'application/json, application/problem+json',
        ...(body === undefined ? {} : { 'Content-Type': file ? file.type : 'application/json' }),
        ...(staff.csrf && method !== 'GET' ? { 'X-Yoyaku-CSRF': staff.csrf } : {}),
        ...(staff.onBehalfOf ? { 'X-Yoyaku-On-Behalf-Of': staff.onBehalfOf } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : (file ?? JSON.stringify(body)),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiProblem(method === 'GET' ? UNREACHABLE : UNANSWERED);
  }
  let json: unknown;
  try {
    json = response.status === 204 ? undefined : await response.json();
  } catch {
    throw new ApiProblem(UNREADABLE);
  }
  if (!response.ok) {
    throw new ApiProblem(isProblem(json) ? json : UNREADABLE);
  }
  return json as T;
}

function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message_ja === 'string' && typeof v.message_en === 'string';
}

/** Any thrown value as a problem to show. */
export function asProblem(error: unknown): Problem {
  return error instanceof ApiProblem ? error.problem : UNREACHABLE;
}

const query = (params: Record<string, string | undefined>) =>
  new URLSearchParams(
    Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined),
  ).toString();

export const api = {
  municipalities: () => call<Schemas['MunicipalityList']>('GET', '/api/v1/municipalities'),
  lookup: (key: Schemas['ResidentKeyInput']) =>
    call<Schemas['LookupResponse']>('POST', '/api/v1/residents/lookup', key),
  register: (key: Schemas['ResidentKeyInput'], municipality: string, ticket: string, form: Schemas['ResidentForm']) =>
    call<Schemas['RegisterResponse']>(
      'PUT',
      `/api/v1/residents/${encodeURIComponent(municipality)}/${encodeURIComponent(ticket)}`,
      { ...form, birth_date: key.birth_date },
    ),
  venues: (municipality: string) =>
    call<Schemas['PublicVenueList']>('GET', `/api/v1/municipalities/${encodeURIComponent(municipality)}/venues`),
  days: (municipality: string, venue: string, vaccine: string) =>
    call<Schemas['OpenDays']>(
      'GET',
      `/api/v1/municipalities/${encodeURIComponent(municipality)}/venues/${encodeURIComponent(venue)}/days?${query({ vaccine })}`,
    ),
  slots: (municipality: string, date: string, venue: string, vaccine: string) =>
    call<Schemas['SlotList']>(
      'GET',
      `/api/v1/slots?${query({ municipality_code: municipality, date, venue_id: venue, vaccine })}`,
    ),
  book: (request: Schemas['BookRequest'], place: string | null) =>
    call<Schemas['BookResponse']>('POST', '/api/v1/bookings', request, placeHeader(place)),
  change: (id: string, request: Schemas['ChangeRequest'], place: string | null) =>
    call<Schemas['ChangeResponse']>(
      'POST',
      `/api/v1/bookings/${encodeURIComponent(id)}/change`,
      request,
      placeHeader(place),
    ),
  cancel: (id: string, resident: Schemas['ResidentKeyInput']) =>
    call<Schemas['BookingRecord']>('POST', `/api/v1/bookings/${encodeURIComponent(id)}/cancel`, { resident }),
  joinWaitlist: (request: Schemas['JoinRequest']) =>
    call<Schemas['WaitlistEntry']>('POST', '/api/v1/waitlist', request),
  myWaitlist: (resident: Schemas['ResidentKeyInput']) =>
    call<Schemas['WaitlistEntries']>('POST', '/api/v1/waitlist/mine', { resident }),
  withdraw: (id: string, resident: Schemas['ResidentKeyInput']) =>
    call<Schemas['WaitlistEntry']>('POST', `/api/v1/waitlist/${encodeURIComponent(id)}/withdraw`, { resident }),
  acceptOffer: (id: string, resident: Schemas['ResidentKeyInput']) =>
    call<Schemas['BookResponse']>('POST', `/api/v1/waitlist/offers/${encodeURIComponent(id)}/accept`, { resident }),
  declineOffer: (id: string, resident: Schemas['ResidentKeyInput']) =>
    call<Schemas['WaitlistEntry']>('POST', `/api/v1/waitlist/offers/${encodeURIComponent(id)}/decline`, { resident }),
  browserLogin: (request: Schemas['LoginRequest']) =>
    call<Schemas['BrowserSession']>('POST', '/api/v1/browser/login', request),
  browserSession: () => call<Schemas['BrowserSession']>('GET', '/api/v1/browser/session'),
  browserLogout: () => call<void>('POST', '/api/v1/browser/logout'),
  clinics: () => call<Schemas['ClinicList']>('GET', '/api/v1/clinics'),
  dayList: (venue: string, date: string) =>
    call<Schemas['BookingList']>('GET', `/api/v1/bookings?${query({ venue_id: venue, date })}`),
  daySlots: (venue: string, date: string) =>
    call<Schemas['SlotList']>('GET', `/api/v1/slots?${query({ venue_id: venue, date })}`),
  releaseSeats: (slot: string, seats: number) =>
    call<Schemas['Released']>('POST', '/api/v1/waitlist/release', { slot_id: slot, seats }),
  waitlist: (open: boolean) => call<Schemas['WaitlistEntries']>('GET', `/api/v1/waitlist?open=${open}`),
  staffAccept: (offer: string) =>
    call<Schemas['BookResponse']>('POST', `/api/v1/waitlist/offers/${encodeURIComponent(offer)}/accept`, {}),
  staffDecline: (offer: string) =>
    call<Schemas['WaitlistEntry']>('POST', `/api/v1/waitlist/offers/${encodeURIComponent(offer)}/decline`, {}),
  staffWithdraw: (entry: string) =>
    call<Schemas['WaitlistEntry']>('POST', `/api/v1/waitlist/${encodeURIComponent(entry)}/withdraw`, {}),
  enterLine: (municipality: string) =>
    call<Schemas['PlaceInLine']>('POST', '/api/v1/waiting-room', { municipality_code: municipality }),
  place: (token: string) => call<Schemas['PlaceInLine']>('GET', `/api/v1/waiting-room/${encodeURIComponent(token)}`),
};

function placeHeader(place: string | null): Record<string, string> {
  return place ? { 'X-Yoyaku-Waiting-Room': place } : {};
}

/** A random (version 4) UUID, made here so that a retry is recognised as the same request. Not
 *  `crypto.randomUUID`, which a page served over plain HTTP on a LAN address does not have. */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
