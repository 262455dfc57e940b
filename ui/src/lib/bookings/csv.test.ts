import { describe, expect, it } from 'vitest';
import { csvFilename } from './csv';

describe('csvFilename', () => {
  it('names the file by the list and its date', () => {
    expect(csvFilename('2021-05-15')).toBe('接種予約状況_2021-05-15.csv');
  });
});
