// What the resident picks on the way to 確認, whichever way they got there (the 公開枠 list, the
// offer of a dose 2, a full slot's alternatives).
import type { Schemas } from '../lib/api';
import type { Booking } from './resident.svelte';

export type Venue = Schemas['PublicVenue'];

/** A slot chosen to book. `remaining` is unknown where the city did not count it for the page. */
export type Seat = {
  id: string;
  venue_id: string;
  vaccine_code: string;
  starts_at: string;
  ends_at: string;
  remaining: number | null;
};

/** What the booking is for: a new dose, or moving a booking to another slot. */
export type Purpose = { kind: 'book'; dose: number } | { kind: 'change'; booking: Booking };

/** The venues by ward, in the city's order; venues without a ward under `other`. */
export function byWard(venues: readonly Venue[], other: string): [string, Venue[]][] {
  const wards = new Map<string, Venue[]>();
  for (const venue of venues) {
    const ward = venue.ward ?? other;
    wards.set(ward, [...(wards.get(ward) ?? []), venue]);
  }
  return [...wards];
}

/** The vaccine's name in both languages, from the venue's list; the code when it is not there. */
export function vaccineName(venue: Venue | undefined, code: string): { name_ja: string; name_en: string } {
  const vaccine = venue?.vaccines.find((v) => v.code === code);
  return vaccine ?? { name_ja: code, name_en: code };
}
