import { z } from 'zod';
import { maxCommentLength } from './surveys.js';

export { maxCommentLength };

/**
 * What is stored of any free text a person or another system gives us (a comment, a name, a
 * survey's context, a tag, an event's attributes, a staff reply): line breaks as `\n`, control
 * characters (NUL, BEL, VT, escape sequences, other C0 and C1 controls), bidirectional overrides and
 * isolates, and the noncharacters U+FFFE and U+FFFF removed, a lone surrogate replaced by U+FFFD,
 * surrounding white space trimmed. Newlines, tabs, emoji (with their joiners and variation
 * selectors) and every script stay as they were sent. What is left is valid XML 1.0 text, so a
 * reply that quotes it can always be written as TwiML.
 */
/* eslint-disable no-control-regex -- finding control characters is the point here */
export function cleanText(text: string): string {
  return text
    // A lone surrogate (JSON can carry one) is no character: it becomes U+FFFD, as the database would store it.
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/\r\n?/g, '\n')
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '') // CSI sequences: colours, cursor moves
    .replace(/\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?/g, '') // OSC, DCS and the like, up to their end
    .replace(/\x1b[@-Z\\-_]?/g, '')
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]/g, '')
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, '')
    .trim();
}
/* eslint-enable no-control-regex */

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * A comment as stored: cleaned, and cut to at most `maxCommentLength` code points at the end of a
 * grapheme cluster, so an emoji with a skin tone or a family emoji is kept whole or not at all
 * (cutting by code points turned 👍🏽 into 👍).
 */
export function commentOf(text: string): { comment: string; cut: boolean } {
  const clean = cleanText(text);
  if (clean.length <= maxCommentLength) return { comment: clean, cut: false }; // UTF-16 units ≥ code points
  let points = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(clean)) {
    const size = Array.from(segment).length;
    if (points + size > maxCommentLength) return { comment: clean.slice(0, end), cut: true };
    points += size;
    end = index + segment.length;
  }
  return { comment: clean, cut: false };
}

/**
 * A free-text field of an input schema: at most `max` characters as sent (what the OpenAPI document
 * says), cleaned by `cleanText` (so a control character is dropped, never stored or refused), then at
 * least one character left. `overwrite` keeps it a plain string in the OpenAPI document.
 */
export const freeText = (max: number) => z.string().max(max).overwrite(cleanText).min(1);
