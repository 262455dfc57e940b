import { describe, expect, it } from 'vitest';
import { byWard, vaccineName, type Venue } from './choice';

const venue = (venue_number: number, ward: string | null): Venue => ({
  id: `v${venue_number}`,
  venue_number,
  name: `会場${venue_number}`,
  ward,
  address: null,
  mass_venue: false,
  vaccines: [{ code: 'pfizer', name_ja: 'ファイザー社ワクチン', name_en: 'Pfizer' }],
});

describe('byWard', () => {
  it("keeps the city's order and puts venues without a ward together", () => {
    const wards = byWard([venue(101, '中央区'), venue(102, '中央区'), venue(105, '北区'), venue(900, null)], 'その他');
    expect(wards.map(([ward, venues]) => [ward, venues.map((v) => v.venue_number)])).toEqual([
      ['中央区', [101, 102]],
      ['北区', [105]],
      ['その他', [900]],
    ]);
  });
});

describe('vaccineName', () => {
  it("reads the name from the venue's vaccines, or shows the code", () => {
    expect(vaccineName(venue(101, null), 'pfizer').name_ja).toBe('ファイザー社ワクチン');
    expect(vaccineName(undefined, 'moderna')).toEqual({ name_ja: 'moderna', name_en: 'moderna' });
  });
});
