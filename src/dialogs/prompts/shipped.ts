import type { Locale } from '../types.js';
import { Catalog } from './catalog.js';
import en from './catalogs/en.json' with { type: 'json' };
import es from './catalogs/es.json' with { type: 'json' };
import ur from './catalogs/ur.json' with { type: 'json' };

/** The shipped catalogs: the wording every business starts with, and what owners read. */
export const shippedCatalogs: Readonly<Record<Locale, Catalog>> = {
  en: new Catalog('en', en),
  es: new Catalog('es', es),
  ur: new Catalog('ur', ur),
};
