/** GSM 03.38 basic character set: one septet each. */
const gsmBasic = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);

/** GSM 03.38 extension table: an escape plus the character, two septets each. */
const gsmExtension = new Set('\f^{}\\[~]|€');

export interface SegmentCount {
  encoding: 'GSM-7' | 'UCS-2';
  /** Number of SMS parts the carrier bills. */
  segments: number;
  /** Length in the encoding's units: septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2. */
  characters: number;
}

const limits = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
} as const;

/**
 * How many SMS segments a text costs. One character outside GSM-7 (an emoji, a curly quote, Urdu)
 * switches the whole message to UCS-2. A part never splits an escape pair or a surrogate pair, as
 * carriers do, so a long text can need one part more than `ceil(length / 153)`.
 */
export function countSegments(text: string): SegmentCount {
  const chars = Array.from(text);
  const gsm = chars.every((c) => gsmBasic.has(c) || gsmExtension.has(c));
  const encoding = gsm ? 'GSM-7' : 'UCS-2';
  const widths = chars.map((c) => (gsm ? (gsmExtension.has(c) ? 2 : 1) : c.length));
  const characters = widths.reduce((a, b) => a + b, 0);
  const { single, part } = limits[encoding];
  if (characters <= single) return { encoding, segments: 1, characters };

  let segments = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > part) {
      segments += 1;
      used = 0;
    }
    used += width;
  }
  return { encoding, segments, characters };
}
