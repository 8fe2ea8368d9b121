import { compileMessage, type CompiledMessage, type Wording, type WordingKey } from '../dialogs/prompts/index.js';
import type { Locale, SurveyKind } from '../domain/surveys.js';
import type { WordingEntry } from '../store/index.js';

const compiled = new WeakMap<readonly WordingEntry[], Wording>();

/**
 * A business's stored messages as the dialog takes them, compiled once per read of the store (the
 * repository hands out the same array while it caches it). A stored message that no longer compiles
 * is left out: the shipped one is said instead of nothing.
 */
export function wordingOf(entries: readonly WordingEntry[]): Wording | undefined {
  if (entries.length === 0) return undefined;
  let wording = compiled.get(entries);
  if (!wording) {
    const messages = new Map<string, CompiledMessage>();
    for (const e of entries) {
      try {
        messages.set(`${e.locale}:${e.kind}:${e.key}`, compileMessage(e.text, e.locale));
      } catch {
        // Checked when stored; a message a later rule refuses falls back to the shipped wording.
      }
    }
    wording = { message: (locale: Locale, kind: SurveyKind, key: WordingKey) => messages.get(`${locale}:${kind}:${key}`) };
    compiled.set(entries, wording);
  }
  return wording;
}

/** The business's wording, read through the store's cache. */
export async function businessWording(store: { wordings: { of(businessId: string): Promise<readonly WordingEntry[]> } }, businessId: string): Promise<Wording | undefined> {
  return wordingOf(await store.wordings.of(businessId));
}
