// The 住民情報登録 form's state: from registered details for 情報変更, to the command's shape, and
// the required fields the manual names (姓・名・性別・電話番号) checked before the 登録確認 step
// so the read-back never starts on an incomplete form. Everything else is the engine's to check.

import type { RegistrationForm, ResidentDetails, ResidentForm, ResidentKey, Sex } from '../api/residents';
import type { Code, CommandError, FieldProblem } from '../types';

export const REGISTRATION_FIELDS = ['family_name_kana', 'given_name_kana', 'sex', 'phone', 'email', 'memo'] as const;

export function emptyForm(): ResidentForm {
  return { family_name_kana: '', given_name_kana: '', sex: null, phone: '', email: '', memo: '' };
}

/** True while nothing has been typed into the form (leaving it drops nothing). */
export function isBlank(form: ResidentForm): boolean {
  return (
    form.sex === null &&
    [form.family_name_kana, form.given_name_kana, form.phone, form.email, form.memo].every((v) => v.trim() === '')
  );
}

export function formFromDetails(details: ResidentDetails | null): ResidentForm {
  if (!details) return emptyForm();
  return {
    family_name_kana: details.family_name_kana,
    given_name_kana: details.given_name_kana,
    sex: details.sex,
    phone: details.phone,
    email: details.email ?? '',
    memo: details.memo,
  };
}

/** The command's flattened form for a resident already identified by the ticket check. */
export function registrationFor(key: ResidentKey, form: ResidentForm): RegistrationForm {
  return {
    municipality_code: key.municipality_code,
    ticket: key.ticket_number,
    birth_date: key.birth_date,
    family_name_kana: form.family_name_kana.trim(),
    given_name_kana: form.given_name_kana.trim(),
    sex: form.sex,
    phone: form.phone.trim(),
    email: form.email.trim(),
    memo: form.memo,
  };
}

// Each with the engine's code for the same refusal, so that a screen reads one code either way.
const REQUIRED: { field: keyof ResidentForm; code: Code; ja: string; en: string }[] = [
  {
    field: 'family_name_kana',
    code: 'kana_name.required',
    ja: '姓(カナ)を入力してください。',
    en: 'Please enter the family name in kana.',
  },
  {
    field: 'given_name_kana',
    code: 'kana_name.required',
    ja: '名(カナ)を入力してください。',
    en: 'Please enter the given name in kana.',
  },
  {
    field: 'sex',
    code: 'sex.required',
    ja: '性別を選択してください(わからない場合は「未設定」)。',
    en: 'Please choose the sex (Unset if unknown).',
  },
  { field: 'phone', code: 'phone.required', ja: '電話番号を入力してください。', en: 'Please enter the phone number.' },
];

/** The required fields left blank, as a form error like the engine's; null when all are there. */
export function missingRequired(form: ResidentForm): CommandError | null {
  const fields: FieldProblem[] = REQUIRED.filter(({ field }) => {
    const v = form[field];
    return v === null || (typeof v === 'string' && v.trim() === '');
  }).map(({ field, code, ja, en }) => ({ field, code, message_ja: ja, message_en: en }));
  if (fields.length === 0) return null;
  return {
    code: 'form.invalid',
    message_ja: `入力内容に誤りがあります（${fields.length}件）。各項目の説明に沿って修正してください。`,
    message_en: `${fields.length} field(s) need correcting; see the note under each.`,
    fields,
  };
}

const SEX: Record<Sex, { ja: string; en: string }> = {
  male: { ja: '男性', en: 'Male' },
  female: { ja: '女性', en: 'Female' },
  unset: { ja: '未設定', en: 'Unset' },
};

export function sexLabel(sex: Sex | string | null): { ja: string; en: string } {
  return (sex && SEX[sex as Sex]) || { ja: '', en: '' };
}
