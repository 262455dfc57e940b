import { describe, expect, it } from 'vitest';
import { digitsOf, splitOcrLine } from './ticket';

describe('splitOcrLine', () => {
  it('splits the 18-digit line into 券種, 回数, 自治体番号 and 接種券番号', () => {
    expect(splitOcrLine('114310019000000062')).toEqual({
      kind: '1',
      count: '1',
      municipality_code: '431001',
      ticket_number: '9000000062',
    });
  });

  it('takes full-width digits, spaces and hyphens as printed or typed', () => {
    expect(splitOcrLine('１１ ４３１００１ ９０００-０００-０６２')?.ticket_number).toBe('9000000062');
  });

  it('leaves a 10-digit number and anything else alone', () => {
    expect(splitOcrLine('9000000062')).toBeNull();
    expect(splitOcrLine('11431001900000006')).toBeNull();
    expect(splitOcrLine('11431001900000006x')).toBeNull();
    expect(splitOcrLine('')).toBeNull();
  });
});

describe('digitsOf', () => {
  it('folds full-width digits and drops separators', () => {
    expect(digitsOf('０９６ー３２８ー１１１１')).toBe('0963281111');
  });
});
