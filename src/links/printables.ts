import QRCode from 'qrcode';
import { currentQuestion, startDialog, type Wording } from '../dialogs/index.js';
import type { Locale } from '../domain/surveys.js';
import type { SurveyLinkRecord } from '../store/index.js';

/*
 * What an owner prints for a survey link: its QR code (the `qrcode` package, SVG and PNG) and a poster
 * (a print-ready HTML page, A4 or A6, `@page` sized, the QR code inline as SVG), so no PDF engine runs
 * on the server and the browser's "Print" gives the paper.
 */

/** Error correction M (15 %): survives a smudge or a crease on a counter-top sign and stays small. */
const qrOptions = { errorCorrectionLevel: 'M', margin: 2 } as const;

export const linkUrl = (publicUrl: string, code: string) => `${publicUrl}/s/${code}`;

export function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { ...qrOptions, type: 'svg' });
}

/** PNGs made lately, by URL: one costs tens of milliseconds of CPU (measured up to 170 ms on a busy 2-core machine), and the URL never changes. */
const pngs = new Map<string, Promise<Buffer>>();
const pngCacheSize = 500;

/** A PNG 512 pixels wide (8 px a module at least, for a phone camera across a room); the same URL is drawn once while cached. */
export function qrPng(url: string): Promise<Buffer> {
  let png = pngs.get(url);
  if (!png) {
    if (pngs.size >= pngCacheSize) pngs.delete(pngs.keys().next().value!);
    png = QRCode.toBuffer(url, { ...qrOptions, type: 'png', width: 512 });
    png.catch(() => pngs.delete(url));
    pngs.set(url, png);
  }
  return png;
}

export const posterSizes = ['a4', 'a6'] as const;
export type PosterSize = (typeof posterSizes)[number];

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The link's question as its survey asks it: the business's own wording when it has one, in the link's language. */
export function linkQuestion(link: SurveyLinkRecord, business: { name: string; locale: Locale }, wording: Wording | undefined): { text: string; locale: Locale; dir: 'ltr' | 'rtl' } {
  const locale = link.locale ?? business.locale;
  const vars = { business: business.name, ...(link.product ? { product: link.product } : {}), ...(link.location ? { location: link.location } : {}) };
  const { session } = startDialog({ kind: link.kind, locale, vars, now: new Date(0), ...(wording ? { wording } : {}) });
  const question = currentQuestion(session, wording);
  return { text: question.text, locale, dir: question.dir ?? 'ltr' };
}

const sizes: Record<PosterSize, { page: string; qr: string; name: string; question: string; pad: string }> = {
  a4: { page: 'A4', qr: '120mm', name: '30pt', question: '20pt', pad: '18mm' },
  a6: { page: 'A6', qr: '62mm', name: '15pt', question: '10pt', pad: '7mm' },
};

/** A printable poster: the business's name, the question in the link's language, the QR code and the short address. */
export async function posterPage(input: { size: PosterSize; url: string; businessName: string; question: string; locale: Locale; dir: 'ltr' | 'rtl'; label?: string }): Promise<string> {
  const s = sizes[input.size];
  const svg = await qrSvg(input.url);
  return `<!doctype html>
<html lang="${input.locale}" dir="${input.dir}">
<head>
<meta charset="utf-8">
<title>${escape(input.businessName)}: survey poster (${s.page})</title>
<style>
  @page { size: ${s.page} portrait; margin: 0; }
  html, body { margin: 0; font-family: system-ui, sans-serif; color: #111; }
  main { box-sizing: border-box; width: 100%; min-height: 100vh; padding: ${s.pad}; display: flex; flex-direction: column; align-items: center; justify-content: center; text-align: center; gap: 0.6em; }
  h1 { font-size: ${s.name}; margin: 0; }
  p.question { font-size: ${s.question}; margin: 0; max-width: 95%; }
  .qr svg { width: ${s.qr}; height: ${s.qr}; }
  p.url { font-size: ${s.question}; font-family: ui-monospace, monospace; margin: 0; }
  p.label { font-size: 9pt; color: #555; margin: 0; }
  @media screen { main { max-width: 210mm; margin: 0 auto; } }
</style>
</head>
<body>
<main data-size="${input.size}">
  <h1 data-testid="poster-name">${escape(input.businessName)}</h1>
  <p class="question" data-testid="poster-question">${escape(input.question)}</p>
  <div class="qr" data-testid="poster-qr">${svg}</div>
  <p class="url" dir="ltr">${escape(input.url)}</p>
  ${input.label ? `<p class="label">${escape(input.label)}</p>` : ''}
</main>
</body>
</html>
`;
}
