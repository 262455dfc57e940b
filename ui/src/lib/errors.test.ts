import { describe, expect, it } from 'vitest';
import { GENERIC_ERROR_EN, GENERIC_ERROR_JA, normalizeError } from './errors';

describe('normalizeError', () => {
  it('passes a CommandError through unchanged', () => {
    const e = { code: 'auth.invalid_credentials', message_ja: 'アカウントIDまたはパスワードが違います。', message_en: 'Wrong account ID or password.' };
    expect(normalizeError(e)).toEqual(e);
  });

  it('drops extra fields of a CommandError', () => {
    expect(normalizeError({ code: 'internal', message_ja: 'あ', message_en: 'a', extra: 1 })).toEqual({ code: 'internal', message_ja: 'あ', message_en: 'a' });
  });

  it('keeps the well-formed field problems of a form error, and only those', () => {
    const phone = { field: 'phone', code: 'phone.invalid', message_ja: '電話番号', message_en: 'phone' };
    const e = normalizeError({ code: 'form.invalid', message_ja: 'あ', message_en: 'a', fields: [phone, { field: 1 }] });
    expect(e.fields).toEqual([phone]);
    expect(normalizeError({ code: 'form.invalid', message_ja: 'あ', message_en: 'a', fields: [] }).fields).toBeUndefined();
  });

  it("keeps a city refusal's way out, and only a known one", () => {
    const refused = { code: 'resident.protected', message_ja: 'あ', message_en: 'a', way_out: 'sync_problems' };
    expect(normalizeError(refused).way_out).toBe('sync_problems');
    expect(normalizeError({ ...refused, way_out: 'elsewhere' }).way_out).toBeUndefined();
  });

  it('turns a string rejection (the SQL plugin rejects with strings) into a generic bilingual error', () => {
    const e = normalizeError('error returned from database: no such table: slot_list');
    expect(e.code).toBe('unknown');
    expect(e.message_ja).toBe(GENERIC_ERROR_JA);
    expect(e.message_en).toContain(GENERIC_ERROR_EN);
    expect(e.message_en).toContain('no such table: slot_list');
  });

  it('turns an Error into a generic error keeping its message in English', () => {
    const e = normalizeError(new TypeError("Cannot read properties of undefined (reading 'invoke')"));
    expect(e).toEqual({
      code: 'unknown',
      message_ja: GENERIC_ERROR_JA,
      message_en: `${GENERIC_ERROR_EN} (Cannot read properties of undefined (reading 'invoke'))`,
    });
  });

  it.each([undefined, null, 42, '', {}, [], { code: 7 }, { message_ja: '' }])('gives a generic error for %j', (value) => {
    const e = normalizeError(value);
    expect(e.code).toBe('unknown');
    expect(e.message_ja).toBe(GENERIC_ERROR_JA);
    expect(e.message_en).toBe(GENERIC_ERROR_EN);
  });

  it('reads a code outside the catalogue as unknown, keeping its words', () => {
    expect(normalizeError({ code: 'offline', message_ja: 'オフライン', message_en: 'Offline' })).toEqual({
      code: 'unknown',
      message_ja: 'オフライン',
      message_en: 'Offline',
    });
    const madeUp = { field: 'phone', code: 'phone.format', message_ja: '電話番号', message_en: 'phone' };
    expect(normalizeError({ code: 'form.invalid', message_ja: 'あ', message_en: 'a', fields: [madeUp] }).fields).toBeUndefined();
  });

  it('fills in the missing language of a half-shaped error', () => {
    expect(normalizeError({ code: 'network.unreachable', message_ja: 'サーバーに接続できません。' })).toEqual({
      code: 'network.unreachable',
      message_ja: 'サーバーに接続できません。',
      message_en: GENERIC_ERROR_EN,
    });
    expect(normalizeError({ message_en: 'Server unreachable.' })).toEqual({
      code: 'unknown',
      message_ja: GENERIC_ERROR_JA,
      message_en: 'Server unreachable.',
    });
  });
});
