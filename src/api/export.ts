import { Readable } from 'node:stream';
import { z } from 'zod';
import { surveyKinds } from '../domain/surveys.js';
import type { Store, SurveyFilters, SurveyRecord } from '../store/index.js';
import { csvLine } from '../domain/csv.js';
import { surveyJson } from './survey-handlers.js';

export const exportFormats = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** What an export's rows hold, in CSV column order (JSON lines use the same names). */
export const exportColumns = ['id', 'kind', 'channel', 'state', 'score', 'band', 'comment', 'customerName', 'context', 'product', 'order', 'location', 'staff', 'trigger', 'identity', 'tags', 'invitedAt', 'answeredAt', 'completedAt', 'firstReplyAt', 'timeToFirstReplyMs', 'reason'] as const;

export const exportContentTypes: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

const day = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((s) => new Date(s));

/** The filters an export route accepts in its query string: `kind`, and `from` / `to` (ISO dates, `to` exclusive). */
export const exportFilters = z.strictObject({ kind: z.enum(surveyKinds).optional(), from: day.optional(), to: day.optional() });

/** One survey as an export row: the API's survey fields of `exportColumns`, in that order, in both formats. */
function row(s: SurveyRecord) {
  const shown = surveyJson(s);
  return Object.fromEntries(exportColumns.map((c) => [c, shown[c]])) as Pick<ReturnType<typeof surveyJson>, (typeof exportColumns)[number]>;
}

const line: Record<ExportFormat, (s: SurveyRecord) => string> = {
  csv: (s) => {
    const r = row(s);
    return csvLine(exportColumns.map((c) => (c === 'tags' ? r.tags.join(';') : r[c])));
  },
  jsonl: (s) => `${JSON.stringify(row(s))}\n`,
};

/** Lines are handed on in pieces of about this size: fewer, larger writes than one per survey. */
const pieceSize = 64 * 1024;

async function* lines(surveys: AsyncIterable<SurveyRecord>, format: ExportFormat): AsyncGenerator<string> {
  let piece = format === 'csv' ? csvLine(exportColumns) : '';
  for await (const s of surveys) {
    piece += line[format](s);
    if (piece.length >= pieceSize) {
      yield piece;
      piece = '';
    }
  }
  if (piece) yield piece;
}

/**
 * A business's surveys as CSV (the spreadsheet-safe rules of `csvLine`) or JSON lines, oldest first,
 * as a stream. It reads the database only as fast as the reader takes the lines (a `Readable` pulls
 * its generator only when its buffer runs low), so memory holds one cursor batch and one piece, not
 * the export; a reader that goes away closes the cursor.
 */
export function surveyExport(store: Store, businessId: string, format: ExportFormat, filters: SurveyFilters = {}): Readable {
  return Readable.from(lines(store.surveys.all(businessId, filters), format), { objectMode: false });
}
