import type { Band, PromptVars, SurveyKind } from '../types.js';
import { scaleOf } from '../../domain/surveys.js';
import type { PromptSet } from './prompt-set.js';

// Urdu is written right to left and with Extended Arabic-Indic digits (۰-۹).

const urduDigits = '۰۱۲۳۴۵۶۷۸۹';

function digits(n: number): string {
  return String(n).replace(/\d/g, (d) => urduDigits[Number(d)] ?? d);
}

function question(kind: SurveyKind, v: PromptVars): string {
  const about = v.context ? `${v.context} کے بارے میں: ` : '';
  switch (kind) {
    case 'nps':
      return `${about}آپ ${v.business} کو کسی دوست یا ساتھی کو تجویز کرنے کا کتنا امکان رکھتے ہیں؟ ${digits(0)} سے ${digits(10)} تک جواب دیں (${digits(0)} = بالکل امکان نہیں، ${digits(10)} = بہت زیادہ امکان)`;
    case 'csat':
      return `آپ ${v.context ? `${v.business} کے ${v.context}` : v.business} سے کتنے مطمئن تھے؟ ${digits(1)} سے ${digits(5)} تک جواب دیں (${digits(1)} = بالکل مطمئن نہیں، ${digits(5)} = بہت مطمئن)`;
    case 'ces':
      return `${about}آپ اس بات سے کتنے متفق ہیں: "${v.business} نے میرا مسئلہ حل کرنا آسان بنا دیا۔" ${digits(1)} (بالکل متفق نہیں) سے ${digits(7)} (پوری طرح متفق) تک جواب دیں`;
  }
}

const followUps: Record<SurveyKind, Record<Band, string>> = {
  nps: {
    detractor: 'یہ سن کر افسوس ہوا۔ ہمیں کیا بہتر کرنا چاہیے تھا؟',
    passive: `شکریہ! کون سی ایک چیز اسے ${digits(10)} بنا دیتی؟`,
    promoter: 'یہ سن کر خوشی ہوئی! آپ کو سب سے زیادہ کیا پسند آیا؟',
  },
  csat: {
    detractor: 'یہ سن کر افسوس ہوا۔ کیا غلط ہوا؟',
    passive: 'شکریہ! ہم کیا بہتر کر سکتے تھے؟',
    promoter: 'یہ سن کر خوشی ہوئی! آپ کو سب سے زیادہ کیا پسند آیا؟',
  },
  ces: {
    detractor: 'معذرت کہ یہ آسان نہیں تھا۔ کس چیز نے مشکل پیدا کی؟',
    passive: 'شکریہ! کیا چیز اسے مزید آسان بنا سکتی تھی؟',
    promoter: 'خوشی ہے کہ یہ آسان رہا! کس چیز نے سب سے زیادہ مدد کی؟',
  },
};

export const ur: PromptSet = {
  locale: 'ur',
  dir: 'rtl',
  digits,
  invitation: (kind, v) =>
    `${v.customerName ? `السلام علیکم ${v.customerName}!` : 'السلام علیکم!'} ${question(kind, v)}`,
  question,
  reminder: (kind, v) => `یاد دہانی: ${question(kind, v)}`,
  commentBox: { placeholder: 'اپنا جواب لکھیں', send: 'بھیجیں', skip: 'چھوڑیں' },
  followUp: (kind, band) => `${followUps[kind][band]} اگر جواب نہیں دینا چاہتے تو چھوڑیں لکھ کر بھیجیں۔`,
  thankYou: (band, v) => {
    const to = v.customerName ? `شکریہ ${v.customerName}!` : 'شکریہ!';
    switch (band) {
      case 'detractor':
        return `${to} آپ کی صاف گوئی کی قدر کرتے ہیں۔ ہم آپ کی رائے سے بہتری لائیں گے۔`;
      case 'passive':
        return `${to} آپ کی رائے سے ${v.business} کو بہتر ہونے میں مدد ملتی ہے۔`;
      case 'promoter':
        return `${to} خوشی ہے کہ ${v.business} کے ساتھ آپ کا تجربہ اچھا رہا۔`;
    }
  },
  reprompt: (kind) =>
    `معذرت، میں سمجھ نہیں سکا۔ براہ کرم ${digits(scaleOf(kind).min)} سے ${digits(scaleOf(kind).max)} تک کوئی عدد لکھ کر بھیجیں۔`,
  closing: () => 'کوئی بات نہیں، آپ کے وقت کا شکریہ۔',
  stopped: (v) => `آپ کو اب ${v.business} کے سروے نہیں بھیجے جائیں گے۔ دوبارہ شروع کرنے کے لیے شروع لکھ کر بھیجیں۔`,
  started: (v) => `آپ کو ${v.business} کے سروے دوبارہ بھیجے جائیں گے۔ روکنے کے لیے بند لکھ کر بھیجیں۔`,
  help: (v) =>
    `یہ ${v.business} کا مختصر رائے سروے ہے۔ جواب دینا اختیاری ہے۔ سوال چھوڑنے کے لیے چھوڑیں اور سروے روکنے کے لیے بند لکھ کر بھیجیں۔`,
  nothingToSkip: () => 'شکریہ! ابھی چھوڑنے کے لیے کچھ نہیں ہے۔',
  linkInvalid: (v) => `یہ سروے لنک ختم ہو چکا ہے یا پہلے استعمال ہو چکا ہے۔ ${v.business} یہاں مختصر رائے سروے بھیجتا ہے۔`,
  recentlyAnswered: (v) => `شکریہ! آپ نے حال ہی میں ${v.business} کو اپنی رائے دی ہے، اس لیے ابھی آپ کے لیے کوئی سروے نہیں ہے۔`,
  tapAnswered: () => 'آپ اس سوال کا جواب پہلے ہی دے چکے ہیں۔',
  tapEnded: () => 'یہ سروے ختم ہو چکا ہے۔',
  tapInvalid: () => 'یہ دیے گئے انتخاب میں سے نہیں ہے۔',
  commentCut: (max) => `(آپ کا تبصرہ ${digits(max)} حروف سے لمبا تھا، اس لیے ہم نے پہلے ${digits(max)} حروف رکھے۔)`,
  forwarded: (v) => `شکریہ، ہم نے آپ کا پیغام ${v.business} تک پہنچا دیا ہے۔`,
};
