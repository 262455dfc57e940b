// 接種券番号 as typed or scanned. The engine parses the key for real; this only splits the
// ticket's 18-digit OCR line (券種 + 回数 + 自治体番号 + 接種券番号) so that both fields show what
// was read, before 「次へ進む」.

/** Full-width digits to ASCII; spaces and hyphens (as printed on tickets) dropped. */
export function digitsOf(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/[\s\-‐−ー]/g, '');
}

export type OcrLine = {
  /** 券種 */
  kind: string;
  /** 回数 */
  count: string;
  municipality_code: string;
  ticket_number: string;
};

/** The parts of an 18-digit OCR line; null for anything else (a 10-digit number stays as typed). */
export function splitOcrLine(input: string): OcrLine | null {
  const d = digitsOf(input);
  if (!/^\d{18}$/.test(d)) return null;
  return {
    kind: d.slice(0, 1),
    count: d.slice(1, 2),
    municipality_code: d.slice(2, 8),
    ticket_number: d.slice(8),
  };
}
