/**
 * One spelling per letter, for reading replies and matching them against word lists (both sides go
 * through it): compatibility forms, invisible controls, Arabic vowel marks and tatweel (optional in
 * writing) removed; alef with hamza or madda as alef, teh marbuta as heh, and Arabic yeh and kaf as
 * the Urdu letters (phones type either).
 */
export function foldLetters(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\ufe0e\ufe0f\u20e3]|\p{Cf}/gu, '')
    .replace(/[\u064b-\u0652\u0640]/g, '')
    .replace(/[\u0622\u0623\u0625]/g, '\u0627')
    .replace(/\u0629/g, '\u0647')
    .replace(/\u064a|\u0649/g, '\u06cc')
    .replace(/\u0643/g, '\u06a9')
    .toLowerCase();
}
