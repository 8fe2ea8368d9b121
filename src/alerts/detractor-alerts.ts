import type { FastifyBaseLogger } from 'fastify';
import type { Types } from 'mongoose';
import type { Outbound } from '../channels/channel.js';
import { kindLabel } from '../digest/stats.js';
import type { DialogEvent, SurveyKind } from '../dialogs/types.js';
import type { StaffService } from '../staff/staff-service.js';
import type { Outbox } from '../surveys/outbox.js';

/** The parts of a survey an alert needs. */
export interface AlertSurvey {
  _id: Types.ObjectId;
  businessId: string;
  kind: string;
  score?: number | null;
  band?: string | null;
  vars?: { customerName?: string | null } | null;
}

/** The alert texts; pure, so the wording is tested without a server. */
export function detractorAlert(survey: AlertSurvey, comment: string | undefined, firstAlert: boolean): Outbound {
  const id = survey._id.toString();
  const who = survey.vars?.customerName ?? 'a customer';
  const kind = kindLabel[survey.kind as SurveyKind] ?? survey.kind.toUpperCase();
  const head = firstAlert ? `Detractor alert: ${kind} ${survey.score} from ${who}.` : `Comment from ${who} (${kind} ${survey.score}):`;
  const said = comment ? ` "${comment}"` : '';
  return {
    text: `${head}${said} Reply with: /reply ${id} <your message>`,
    // Telegram and Teams show this as a button; tapping it explains how to write the reply.
    choices: [{ label: 'Reply', value: `/reply ${id}` }],
  };
}

/**
 * Tells every owner, within seconds, when a customer gives a detractor score, and again with their
 * comment when it arrives. Runs from `SurveyService`'s events hook, after the state change is stored.
 */
export class DetractorAlerts {
  constructor(
    private readonly staff: StaffService,
    private readonly outbox: Outbox,
    private readonly now: () => Date,
    private readonly log: FastifyBaseLogger,
  ) {}

  async onEvents(survey: AlertSurvey, events: readonly DialogEvent[]): Promise<void> {
    const scored = events.find((e) => e.type === 'scored');
    const commented = events.find((e) => e.type === 'commented');
    const comment = commented?.type === 'commented' ? commented.comment : undefined;
    let message: Outbound | undefined;
    if (scored?.type === 'scored' && scored.band === 'detractor') message = detractorAlert(survey, comment, true);
    else if (comment !== undefined && survey.band === 'detractor') message = detractorAlert(survey, comment, false);
    if (!message) return;
    try {
      const owners = await this.staff.ownerIdentities();
      for (const owner of owners) {
        // SMS has no buttons: the text already carries the /reply hint.
        const outbound = owner.channel === 'sms' ? { text: message.text } : message;
        const ids = await this.outbox.enqueue({ businessId: survey.businessId, ...owner, purpose: 'alert', surveyId: survey._id, messages: [outbound], at: this.now() });
        await this.outbox.deliver(ids);
      }
    } catch (err) {
      // The customer's answer is stored already; a failed alert must not fail their message.
      this.log.error({ err, surveyId: survey._id.toString() }, 'detractor alert failed');
    }
  }
}
