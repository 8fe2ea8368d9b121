import { CsvError, parse } from 'csv-parse/sync';
import { stringify, type Options as StringifyOptions } from 'csv-stringify/sync';
import { ValidationError } from '../errors.js';

/**
 * A CSV upload (csv-parse: RFC 4180, BOM, CRLF or LF) as objects keyed by the trimmed, lower-cased
 * header; empty cells and blank rows left out, short rows allowed. A file that does not parse, or a
 * row with more fields than the header (an unquoted comma), is refused with the row it is in.
 */
export function csvRecords(text: string): Array<Record<string, string>> {
  let header: string[] | undefined;
  let rows = 0;
  try {
    return parse(text, {
      bom: true,
      columns: (names: string[]) => (header = names.map((h) => h.trim().toLowerCase())),
      relax_column_count_less: true,
      skip_records_with_empty_values: true,
      on_record: (record: Record<string, string>) => {
        rows++;
        return Object.fromEntries(Object.entries(record).flatMap(([name, cell]) => (cell.trim() ? [[name, cell.trim()]] : [])));
      },
    });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    throw new ValidationError(`CSV ${header ? `row ${rows + 1}` : 'header'}: ${csvProblem(err, header?.length ?? 0)}`, { cause: err });
  }
}

function csvProblem(err: CsvError, columns: number): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed; write a quote inside a quoted field as two ("")';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quote closes a field before its end; write a quote inside a quoted field as two ("")';
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return `${Array.isArray(err.record) ? err.record.length : 'more'} fields, the header has ${columns}; quote a field that contains a comma`;
    default:
      return err.message;
  }
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
