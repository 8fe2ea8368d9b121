import type { WhatsappTemplate } from '../../businesses/identities.js';
import type { TemplateUse } from '../channel.js';

/** Twilio: "Failed to send freeform message because you are outside the allowed window." */
export const outsideWindow = 63016;

/** WhatsApp's customer-service window: free-form messages only this long after the person's last message. */
export const windowMs = 24 * 3_600_000;
/**
 * Our reading of the window ends this much earlier than WhatsApp's: a message sent just before
 * the end may reach WhatsApp after it (queueing, pacing), and would then be refused.
 */
export const windowMarginMs = 5 * 60_000;

/**
 * The business's approved template for this use: the one for its purpose, language and survey
 * kind, else the one for its purpose and language with no kind. Owners' notices use `owner` (in the
 * owner's language, else any the business has).
 */
export function templateFor(templates: readonly WhatsappTemplate[], use: TemplateUse): WhatsappTemplate | undefined {
  const of = templates.filter((t) => t.purpose === use.purpose && t.locale === use.locale);
  const found = of.find((t) => use.kind !== undefined && t.kind === use.kind) ?? of.find((t) => t.kind === undefined);
  // An owner's notice rides whole in its one variable: one in another language still reopens their chat.
  return found ?? (use.purpose === 'owner' ? templates.find((t) => t.purpose === 'owner') : undefined);
}

/** `ContentVariables` as Twilio takes them: `{"1": …, "2": …}`, in the template's order. */
export function contentVariables(template: WhatsappTemplate, use: TemplateUse): string {
  // WhatsApp refuses an empty variable: a missing value (no name known) becomes a dash.
  return JSON.stringify(Object.fromEntries(template.variables.map((name, i) => [String(i + 1), use.values[name] || '-'])));
}
