import { ERROR_CODES, WINDOW_ERRORS } from './generated/ipc';
import type { Code, CommandError, FieldProblem } from './types';

/** The errors the window finds by itself, with the shell's words for them. */
export { WINDOW_ERRORS };

export const GENERIC_ERROR_JA = WINDOW_ERRORS.unknown.message_ja;
export const GENERIC_ERROR_EN = WINDOW_ERRORS.unknown.message_en;

const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** The catalogue's code of `value`; null for anything else (a plugin's message, say). */
function codeOf(value: unknown): Code | null {
  return typeof value === 'string' && CODES.has(value) ? (value as Code) : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function isFieldProblem(value: unknown): value is FieldProblem {
  return (
    isObject(value) &&
    codeOf(value.code) !== null &&
    ['field', 'message_ja', 'message_en'].every((k) => typeof value[k] === 'string')
  );
}

/** A form's per-field problems, when the rejection carries well-formed ones. */
function fieldsOf(error: Record<string, unknown>): { fields?: FieldProblem[] } {
  const fields = Array.isArray(error.fields) ? error.fields.filter(isFieldProblem) : [];
  return fields.length > 0 ? { fields } : {};
}

/** A refusal's way out, when it names one the window knows. */
function wayOutOf(error: Record<string, unknown>): Pick<CommandError, 'way_out'> {
  return error.way_out === 'choose_again' || error.way_out === 'sync_problems' ? { way_out: error.way_out } : {};
}

function withDetail(base: string, detail: string | null): string {
  return detail ? `${base} (${detail})` : base;
}

/**
 * Turns anything an `invoke` (or the SQL plugin) rejects with into a CommandError.
 * The shell's own errors already have this shape and pass through (with a form's `fields` and a
 * refusal's `way_out`);
 * plugin errors (plain strings), thrown `Error`s and unknown shapes get a generic
 * bilingual message, with whatever detail there is kept in the English line.
 */
export function normalizeError(error: unknown): CommandError {
  if (isObject(error)) {
    const code = codeOf(error.code);
    const ja = nonEmptyString(error.message_ja);
    const en = nonEmptyString(error.message_en);
    if (code && ja && en) {
      return { code, message_ja: ja, message_en: en, ...fieldsOf(error), ...wayOutOf(error) };
    }
    if (ja || en) {
      return {
        code: code ?? 'unknown',
        message_ja: ja ?? GENERIC_ERROR_JA,
        message_en: en ?? GENERIC_ERROR_EN,
      };
    }
    const message = nonEmptyString(error.message);
    return {
      code: code ?? 'unknown',
      message_ja: GENERIC_ERROR_JA,
      message_en: withDetail(GENERIC_ERROR_EN, message),
    };
  }
  const detail = typeof error === 'string' ? nonEmptyString(error) : null;
  return { code: 'unknown', message_ja: GENERIC_ERROR_JA, message_en: withDetail(GENERIC_ERROR_EN, detail) };
}
