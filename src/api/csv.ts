import { stringify, type Options as StringifyOptions } from 'csv-stringify/sync';

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends. Pure. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

/** Header row + records → objects keyed by the trimmed, lower-cased header; empty cells left out. */
export function csvRecords(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const names = header.map((h) => h.trim().toLowerCase());
  return rows.map((cells) => Object.fromEntries(names.flatMap((name, i) => (cells[i]?.trim() ? [[name, cells[i].trim()]] : []))));
}

/**
 * One CSV record for spreadsheets (csv-stringify): CRLF, every non-empty field quoted, dates as ISO
 * 8601, and a text cell starting with = + - @, tab or CR (or a full-width = + - @) prefixed with '
 * so a spreadsheet shows a customer's comment instead of running it as a formula (OWASP CSV injection).
 */
export function csvLine(values: readonly unknown[]): string {
  return stringify([values], exportOptions);
}

const exportOptions: StringifyOptions = {
  escape_formulas: true,
  // Quoted cells stay whole in a spreadsheet that splits on ; (comma-decimal locales), so no formula starts mid-cell.
  quoted: true,
  record_delimiter: 'windows',
  cast: { date: (d) => d.toISOString() },
};
