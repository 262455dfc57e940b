// Field errors of a form, as normalizeError keeps them from the shell's rejection.

import type { CommandError, FieldProblem } from '../types';

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
