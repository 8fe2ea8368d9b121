import type { Band, PromptVars, SurveyKind } from '../types.js';
import type { PromptSet } from './prompt-set.js';

// English prompts stay within one 160-character GSM-7 SMS segment for typical names: ASCII only.

function question(kind: SurveyKind, v: PromptVars): string {
  const about = v.context ? `About ${v.context}: ` : '';
  switch (kind) {
    case 'nps':
      return `${about}${about ? 'how' : 'How'} likely are you to recommend ${v.business} to a friend or colleague? Reply 0-10 (0 = not at all likely, 10 = extremely likely)`;
    case 'csat':
      return `How satisfied were you with ${v.context ? `${v.context} at ${v.business}` : v.business}? Reply 1-5 (1 = very dissatisfied, 5 = very satisfied)`;
    case 'ces':
      return `${about}${about ? 'do' : 'Do'} you agree? "${v.business} made it easy to handle my issue." Reply 1 (strongly disagree) to 7 (strongly agree)`;
  }
}

const followUps: Record<SurveyKind, Record<Band, string>> = {
  nps: {
    detractor: 'Sorry to hear that. What should we have done better?',
    passive: 'Thanks! What one thing would make it a 10?',
    promoter: 'Great to hear! What did you like most?',
  },
  csat: {
    detractor: 'Sorry to hear that. What went wrong?',
    passive: 'Thanks! What could we have done better?',
    promoter: 'Great to hear! What did you like most?',
  },
  ces: {
    detractor: "Sorry it wasn't easy. What made it hard?",
    passive: 'Thanks! What would have made it easier?',
    promoter: 'Glad it was easy! What helped most?',
  },
};

const scaleText: Record<SurveyKind, string> = { nps: '0 to 10', csat: '1 to 5', ces: '1 to 7' };

export const en: PromptSet = {
  locale: 'en',
  dir: 'ltr',
  digits: (n) => String(n),
  invitation: (kind, v) => `${v.customerName ? `Hi ${v.customerName}!` : 'Hi!'} ${question(kind, v)}`,
  question,
  // The NPS reminder leaves out the context lead-in so it still fits one SMS segment.
  reminder: (kind, v) =>
    `Just a reminder: ${question(kind, kind === 'nps' ? { business: v.business } : v)}`,
  commentBox: { placeholder: 'Type your answer', send: 'Send', skip: 'Skip' },
  followUp: (kind, band) => `${followUps[kind][band]} Reply SKIP to skip.`,
  thankYou: (band, v) => {
    const to = v.customerName ? `Thank you, ${v.customerName}` : 'Thank you';
    switch (band) {
      case 'detractor':
        return `${v.customerName ? `${to},` : to} for telling us. We will use your feedback to do better.`;
      case 'passive':
        return `${to}! Your feedback helps ${v.business} improve.`;
      case 'promoter':
        return `${to}! We're glad you had a good experience with ${v.business}.`;
    }
  },
  reprompt: (kind) => `Sorry, I didn't catch that. Please reply with a number from ${scaleText[kind]}.`,
  closing: () => 'No problem, thanks for your time.',
  stopped: (v) => `You're unsubscribed from ${v.business} surveys. Reply START to resubscribe.`,
  started: (v) => `You're subscribed again to ${v.business} surveys. Reply STOP to opt out.`,
  help: (v) =>
    `${v.business} sends short feedback surveys here. Answering is optional. Reply SKIP to skip a question, STOP to opt out.`,
  nothingToSkip: () => "Thanks! There's nothing to skip right now.",
  linkInvalid: (v) => `This survey link has expired or was already used. ${v.business} sends short feedback surveys here.`,
  recentlyAnswered: (v) => `Thanks! You gave ${v.business} feedback recently, so there is no survey for you right now.`,
  tapAnswered: () => 'You already answered this question.',
  tapEnded: () => 'This survey has ended.',
  tapInvalid: () => 'That is not one of the choices.',
  commentCut: (max) => `(Your comment was longer than ${max} characters, so we kept the first ${max}.)`,
  forwarded: (v) => `Thanks, we passed your message on to ${v.business}.`,
};
