import type { Band, PromptVars, SurveyKind } from '../types.js';
import type { PromptSet } from './prompt-set.js';

function question(kind: SurveyKind, v: PromptVars): string {
  const about = v.context ? `Sobre ${v.context}: ` : '';
  switch (kind) {
    case 'nps':
      return `${about}¿Qué probabilidad hay de que recomiendes ${v.business} a un amigo o colega? Responde de 0 a 10 (0 = nada probable, 10 = muy probable)`;
    case 'csat':
      return `¿Cuál es tu nivel de satisfacción con ${v.context ? `${v.context} en ${v.business}` : v.business}? Responde de 1 a 5 (1 = muy insatisfecho, 5 = muy satisfecho)`;
    case 'ces':
      return `${about}¿Estás de acuerdo? "${v.business} me facilitó resolver mi problema." Responde de 1 (totalmente en desacuerdo) a 7 (totalmente de acuerdo)`;
  }
}

const followUps: Record<SurveyKind, Record<Band, string>> = {
  nps: {
    detractor: 'Lamentamos oír eso. ¿Qué deberíamos haber hecho mejor?',
    passive: '¡Gracias! ¿Qué cambiarías para que fuera un 10?',
    promoter: '¡Qué bien! ¿Qué es lo que más te gustó?',
  },
  csat: {
    detractor: 'Lamentamos oír eso. ¿Qué salió mal?',
    passive: '¡Gracias! ¿Qué podríamos haber hecho mejor?',
    promoter: '¡Qué bien! ¿Qué es lo que más te gustó?',
  },
  ces: {
    detractor: 'Lamentamos que no fuera fácil. ¿Qué lo complicó?',
    passive: '¡Gracias! ¿Qué lo habría hecho más fácil?',
    promoter: '¡Nos alegra que fuera fácil! ¿Qué te ayudó más?',
  },
};

const scaleText: Record<SurveyKind, string> = { nps: 'del 0 al 10', csat: 'del 1 al 5', ces: 'del 1 al 7' };

export const es: PromptSet = {
  locale: 'es',
  dir: 'ltr',
  digits: (n) => String(n),
  invitation: (kind, v) => `${v.customerName ? `¡Hola, ${v.customerName}!` : '¡Hola!'} ${question(kind, v)}`,
  question,
  reminder: (kind, v) => `Un recordatorio: ${question(kind, v)}`,
  commentBox: { placeholder: 'Escribe tu respuesta', send: 'Enviar', skip: 'Omitir' },
  followUp: (kind, band) => `${followUps[kind][band]} Responde OMITIR para saltar esta pregunta.`,
  thankYou: (band, v) => {
    const to = v.customerName ? `¡Gracias, ${v.customerName}!` : '¡Gracias!';
    switch (band) {
      case 'detractor':
        return `${to} Agradecemos tu sinceridad; usaremos tus comentarios para mejorar.`;
      case 'passive':
        return `${to} Tus comentarios ayudan a ${v.business} a mejorar.`;
      case 'promoter':
        return `${to} Nos alegra que hayas tenido una buena experiencia con ${v.business}.`;
    }
  },
  reprompt: (kind) => `Perdona, no te entendí. Responde con un número ${scaleText[kind]}.`,
  closing: () => 'No pasa nada, gracias por tu tiempo.',
  stopped: (v) => `Ya no recibirás encuestas de ${v.business}. Responde ALTA para volver a suscribirte.`,
  started: (v) => `Te has vuelto a suscribir a las encuestas de ${v.business}. Responde BAJA para darte de baja.`,
  help: (v) =>
    `${v.business} envía aquí breves encuestas de opinión. Responder es opcional. Responde OMITIR para saltar una pregunta o BAJA para darte de baja.`,
  nothingToSkip: () => '¡Gracias! Ahora no hay nada que omitir.',
  linkInvalid: (v) => `Este enlace de encuesta caducó o ya se usó. ${v.business} envía aquí breves encuestas de opinión.`,
  recentlyAnswered: (v) => `¡Gracias! Nos diste tu opinión sobre ${v.business} hace poco, así que ahora no hay ninguna encuesta para ti.`,
  tapAnswered: () => 'Ya respondiste esta pregunta.',
  tapEnded: () => 'Esta encuesta ya terminó.',
  tapInvalid: () => 'Esa no es una de las opciones.',
  commentCut: (max) => `(Tu comentario tenía más de ${max} caracteres; guardamos los primeros ${max}.)`,
  forwarded: (v) => `Gracias, hemos pasado tu mensaje a ${v.business}.`,
};
