/** The parts of `stopword` (3.x, no bundled types) this code uses: its lists are plain word arrays. */
declare module 'stopword' {
  export const ara: string[];
  export const eng: string[];
  export const por: string[];
  export const spa: string[];
  export const urd: string[];
  export function removeStopwords(tokens: string[], stopwords?: string[]): string[];
}
