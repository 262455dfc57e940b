// Field errors of a form. The shell rejects a bad form with {code, message_*, fields: [...]};
// lib/errors.ts's normalizeError keeps only code and messages, so the form commands read the
// fields from the raw rejection here.

import { normalizeError } from '../errors';
import type { CommandError, FieldProblem } from '../types';

function isFieldProblem(value: unknown): value is FieldProblem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['field', 'code', 'message_ja', 'message_en'].every((k) => typeof v[k] === 'string');
}

/** normalizeError, keeping a well-formed `fields` list of the raw rejection. */
export function withFields(raw: unknown): CommandError {
  const error = normalizeError(raw);
  const fields = typeof raw === 'object' && raw !== null ? (raw as { fields?: unknown }).fields : undefined;
  if (Array.isArray(fields)) {
    const problems = fields.filter(isFieldProblem);
    if (problems.length > 0) return { ...error, fields: problems };
  }
  return error;
}

export type FieldErrors = Partial<Record<string, FieldProblem>>;

/** The error's problems by field name (the first one per field). */
export function fieldErrors(error: CommandError | null): FieldErrors {
  const out: FieldErrors = {};
  for (const p of error?.fields ?? []) out[p.field] ??= p;
  return out;
}

/** The problems of fields the form does not show (e.g. the key's, under the details form), to list with the summary. */
export function otherProblems(error: CommandError | null, shownFields: readonly string[]): FieldProblem[] {
  return (error?.fields ?? []).filter((f) => !shownFields.includes(f.field));
}
