import { startDialog, step } from '../../src/dialogs/index.js';
import type { DialogInput, DialogSession, SurveyKind } from '../../src/dialogs/index.js';

export const minute = 60_000;
export const hour = 60 * minute;
export const policy = { reminderAfterMs: 24 * hour, ttlMs: 72 * hour };
export const t0 = new Date('2025-03-03T10:00:00Z');
export const at = (ms: number): Date => new Date(t0.getTime() + ms);
export const vars = { business: 'Acme Coffee', customerName: 'Ana', context: 'order 1042' };

export const text = (t: string): DialogInput => ({ type: 'text', text: t });
export const start = (kind: SurveyKind = 'nps'): DialogSession =>
  startDialog({ kind, locale: 'en', vars, now: t0 }).session;
export const scored = (kind: SurveyKind, score: number): DialogSession =>
  step(start(kind), text(String(score)), at(minute), policy).session;
