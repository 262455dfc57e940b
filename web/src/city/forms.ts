// The notice's words for a report's form, as both consoles and tests read them.
import type { Schemas } from '../lib/api';

export const FORMS: { form: Schemas['ReportForm']; ja: string; en: string }[] = [
  { form: 'public_only', ja: '様式１（公開枠のみ）', en: 'Form 1 (public only)' },
  { form: 'private_only', ja: '様式２（非公開枠のみ）', en: 'Form 2 (private only)' },
  { form: 'both', ja: '様式３（公開・非公開）', en: 'Form 3 (both)' },
];

export function formLabel(form: Schemas['ReportForm']): { ja: string; en: string } {
  return FORMS.find((f) => f.form === form) ?? { ja: form, en: form };
}
