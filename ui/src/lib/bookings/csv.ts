// CSV出力 of the 4-1 list.

/** The file name: 接種予約状況_2021-05-15.csv. */
export function csvFilename(date: string): string {
  return `接種予約状況_${date}.csv`;
}

/** Saves `text` as a file through the browser's download (a Blob and an <a download>). */
export function downloadText(text: string, filename: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own reference by now; release ours a moment later.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
