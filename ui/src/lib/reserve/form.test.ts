import { describe, expect, it } from 'vitest';
import { emptyForm, formFromDetails, isBlank, missingRequired, registrationFor, sexLabel } from './form';
import { normalizeError } from '../errors';
import { fieldErrors, otherProblems } from './fields';

const key = { municipality_code: '431001', ticket_number: '9000000062', birth_date: '1945-03-03' };

describe('registration form state', () => {
  it('is blank until something is typed or chosen, spaces aside', () => {
    expect(isBlank(emptyForm())).toBe(true);
    expect(isBlank({ ...emptyForm(), memo: '  ' })).toBe(true);
    expect(isBlank({ ...emptyForm(), family_name_kana: 'ﾃ' })).toBe(false);
    expect(isBlank({ ...emptyForm(), sex: 'unset' })).toBe(false);
  });

  it('needs 姓・名・性別・電話番号, each named under its field', () => {
    const error = missingRequired(emptyForm());
    expect(error?.code).toBe('form.invalid');
    expect(error?.fields?.map((f) => f.field)).toEqual(['family_name_kana', 'given_name_kana', 'sex', 'phone']);
    const filled = { ...emptyForm(), family_name_kana: 'テスト', given_name_kana: ' ', sex: 'unset' as const, phone: '096' };
    expect(missingRequired(filled)?.fields?.map((f) => f.field)).toEqual(['given_name_kana']);
    expect(missingRequired({ ...filled, given_name_kana: 'タロー' })).toBeNull();
  });

  it('fills 情報変更 from the registered details and sends the flattened form', () => {
    const form = formFromDetails({
      family_name_kana: 'テスト',
      given_name_kana: 'タロー',
      sex: 'male',
      phone: '0961234567',
      email: null,
      memo: '',
    });
    expect(form.email).toBe('');
    expect(registrationFor(key, { ...form, phone: ' 096-123-4567 ' })).toEqual({
      municipality_code: '431001',
      ticket: '9000000062',
      birth_date: '1945-03-03',
      family_name_kana: 'テスト',
      given_name_kana: 'タロー',
      sex: 'male',
      phone: '096-123-4567',
      email: '',
      memo: '',
    });
    expect(formFromDetails(null)).toEqual(emptyForm());
    expect(sexLabel('female').ja).toBe('女性');
    expect(sexLabel(null).ja).toBe('');
  });
});

describe('field errors', () => {
  const raw = {
    code: 'form.invalid',
    message_ja: '入力内容に誤りがあります（2件）。',
    message_en: '2 field(s) need correcting.',
    fields: [
      { field: 'phone', code: 'phone.invalid', message_ja: '電話番号', message_en: 'phone' },
      { field: 'ticket', code: 'ticket_number.length', message_ja: '接種券番号', message_en: 'ticket' },
      { field: 'bad' },
    ],
  };

  it('keeps the well-formed per-field problems of a rejection', () => {
    const error = normalizeError(raw);
    expect(error.fields?.map((f) => f.field)).toEqual(['phone', 'ticket']);
    expect(fieldErrors(error).phone?.code).toBe('phone.invalid');
    expect(fieldErrors(null)).toEqual({});
    expect(otherProblems(error, ['phone', 'sex']).map((f) => f.field)).toEqual(['ticket']);
  });

});
