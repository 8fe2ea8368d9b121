export * from './channels.js';
export * from './surveys.js';
export { normalizePhone } from './phone.js';
