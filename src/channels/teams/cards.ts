import { ActivityTypes, CardFactory, type Activity, type Attachment } from 'botbuilder';
import type { Choice, Outbound } from '../channel.js';

/** Adaptive Card 1.5 renders in Teams desktop, web and mobile. */
const cardVersion = '1.5';

/** What a score button sends back as `activity.value`. `question` and `label` let us redraw the card. */
export interface ScoreSubmit {
  score: string;
  surveyId?: string;
  label?: string;
  question?: string;
}

function textBlock(text: string, extra: Record<string, unknown> = {}) {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

function card(body: unknown[], actions: unknown[], dir?: Outbound['dir']): Attachment {
  return CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: cardVersion,
    ...(dir === 'rtl' ? { rtl: true } : {}),
    body,
    actions,
  });
}

/** A question with a row of score buttons (Action.Submit arrives as a message with `value`). */
export function questionCard(message: Outbound & { choices: Choice[] }): Attachment {
  const actions = message.choices.map((choice) => {
    const data: ScoreSubmit = { score: choice.value, label: choice.label, question: message.text };
    if (message.surveyId) data.surveyId = message.surveyId;
    return { type: 'Action.Submit', title: choice.label, data };
  });
  return card([textBlock(message.text)], actions, message.dir);
}

/** The question card after an answer: the chosen score and no buttons, so it cannot be answered twice. */
export function answeredCard(submit: ScoreSubmit): Attachment {
  const body = [];
  if (submit.question) body.push(textBlock(submit.question));
  body.push(textBlock(`✓ ${submit.label ?? submit.score}`, { weight: 'Bolder' }));
  return card(body, []);
}

/** `Outbound` as a Teams message: a card when there are choices, an image attachment when there is one. */
export function renderOutbound(message: Outbound): Partial<Activity> {
  if (message.choices?.length) {
    return {
      type: ActivityTypes.Message,
      attachments: [questionCard({ ...message, choices: message.choices })],
    };
  }
  const activity: Partial<Activity> = { type: ActivityTypes.Message, text: message.text, textFormat: 'plain' };
  if (message.image) {
    activity.attachments = [
      {
        contentType: 'image/png',
        contentUrl: `data:image/png;base64,${message.image.png.toString('base64')}`,
        name: message.image.alt,
      },
    ];
  }
  return activity;
}
