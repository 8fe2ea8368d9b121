import { jsonBlock, screenWords } from '../../content/screen-words.js';
import { languageCodes } from '../../dialogs/languages.js';
import type { Locale } from '../../domain/surveys.js';

/** The widget's own words (the frame's title, the pop-up's button) in every registered language. */
const widgetWords = () => Object.fromEntries(languageCodes().map((l) => [l, { title: screenWords(l).text('chat.header'), button: screenWords(l).text('widget.button') }]));

/**
 * The script a business pastes into its website:
 *   <script src="https://survey.example/b/<id>/widget.js" data-order="1042" data-customer="C-77" async></script>
 * It adds an iframe of the embed page next to itself (inline), or a small button that opens it
 * (`data-mode="popup"`). `data-order` and `data-customer` become the survey's context; `data-kind`
 * (nps, csat, ces) and `data-locale` (a language code) choose the survey, and the language of its title and
 * button (else the business's, `locale`). No cookie is set or read.
 */
export const widgetScript = (locale: Locale): string => `(() => {
  const script = document.currentScript;
  if (!script || !script.src) return;
  const words = ${jsonBlock(widgetWords())};
  const said = words[script.dataset.locale] || words[${JSON.stringify(locale)}];
  const url = new URL(script.src);
  url.pathname = url.pathname.replace(/widget\\.js$/, 'embed');
  url.search = '';
  for (const key of ['order', 'customer', 'kind', 'locale']) {
    const value = script.dataset[key];
    if (value) url.searchParams.set(key, value.slice(0, 100));
  }
  const frame = document.createElement('iframe');
  frame.src = url.href;
  frame.title = script.dataset.title || said.title;
  frame.loading = 'lazy';
  frame.dataset.surveyWidget = '';
  frame.style.cssText = 'border:0;width:100%;max-width:420px;height:520px;border-radius:12px;box-shadow:0 2px 12px #0002;background:#fff';
  if (script.dataset.mode !== 'popup') {
    script.after(frame);
    return;
  }
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = script.dataset.label || said.button;
  button.dataset.surveyWidgetButton = '';
  button.style.cssText = 'position:fixed;right:16px;bottom:16px;z-index:2147483646;padding:10px 16px;border:0;border-radius:20px;background:#0f766e;color:#fff;font:600 15px system-ui,sans-serif;cursor:pointer';
  frame.style.cssText += ';position:fixed;right:16px;bottom:64px;z-index:2147483647;width:min(380px,calc(100vw - 32px));height:min(520px,calc(100vh - 96px));display:none';
  button.onclick = () => {
    if (!frame.isConnected) document.body.appendChild(frame);
    frame.style.display = frame.style.display === 'none' ? 'block' : 'none';
  };
  document.body.appendChild(button);
})();
`;
