export type * from './types.js';
export { surveyKinds } from './types.js';
export { isLanguage, languageCodes, languageList, languageOf, localeSchema, readLanguages, registerLanguages, type Language } from './languages.js';
export { parseScore, parseChoice, scaleOf, type ScoreResult } from './parse-score.js';
export { detectKeyword } from './keywords.js';
export { startDialog, step, isOpen, currentQuestion } from './survey-dialog.js';
export { promptsFor, keywordReply, message, shippedCatalogs, compileMessage, type PromptSet, type Wording } from './prompts/index.js';
export { cleanText, commentOf, maxCommentLength } from '../domain/text.js';
