import { maxCommentLength } from '../domain/surveys.js';

export { maxCommentLength };

/**
 * What is stored of a customer's free text: line breaks as `\n`, control characters (NUL, escape
 * sequences, other C0 and C1 controls) and bidirectional overrides and isolates removed, a lone
 * surrogate replaced by U+FFFD, surrounding
 * white space trimmed. Newlines, tabs, emoji (with their joiners and variation selectors) and every
 * script stay as they were sent.
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
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g, '')
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, '')
    .trim();
}
/* eslint-enable no-control-regex */

/** A comment as stored: cleaned, and cut to `maxCommentLength` code points (an emoji is never split). */
export function commentOf(text: string): { comment: string; cut: boolean } {
  const points = Array.from(cleanText(text));
  return points.length > maxCommentLength ? { comment: points.slice(0, maxCommentLength).join(''), cut: true } : { comment: points.join(''), cut: false };
}
