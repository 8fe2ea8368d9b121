import { ActivityTypes, CardFactory, type Activity, type Attachment } from 'botbuilder';
import type { Choice, CommentBox, Outbound } from '../channel.js';
import { maxCommentLength } from '../../domain/surveys.js';

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

/** What the comment card's buttons send back: the typed `comment` (Send) or `skip` (Skip). */
export interface CommentSubmit {
  comment?: string;
  skip?: true;
  label?: string;
  question?: string;
}

/** The comment question with a text box, Send (requires text) and Skip (sends the skip keyword). */
export function commentCard(message: Outbound & { comment: CommentBox }): Attachment {
  const { comment: labels, text } = message;
  const input = { type: 'Input.Text', id: 'comment', isMultiline: true, maxLength: maxCommentLength, placeholder: labels.placeholder, isRequired: true, errorMessage: labels.placeholder };
  const send: CommentSubmit = { question: text };
  const skip: CommentSubmit = { skip: true, label: labels.skip, question: text };
  const actions = [
    { type: 'Action.Submit', title: labels.send, data: send, associatedInputs: 'auto' },
    { type: 'Action.Submit', title: labels.skip, data: skip, associatedInputs: 'none' },
  ];
  return card([textBlock(text), input], actions, message.dir);
}

/** A question card after its answer: the answer and no buttons or box, so it cannot be answered twice. */
export function answeredCard(question: string | undefined, answer: string): Attachment {
  const body = [];
  if (question) body.push(textBlock(question));
  body.push(textBlock(`✓ ${answer}`, { weight: 'Bolder' }));
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
  if (message.comment) return { type: ActivityTypes.Message, attachments: [commentCard({ ...message, comment: message.comment })] };
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
