import { escapeHtml, jsonBlock, screenWords } from '../../content/screen-words.js';
import { languageCodes, languageList } from '../../dialogs/languages.js';
import { kindLabel, scaleOf, surveyKinds, type Locale } from '../../domain/surveys.js';

export interface ChatPageOptions {
  /** The chat page, where the visitor picks a survey (the default), or the widget, framed by a business's website and opened at once. */
  entry?: 'web' | 'widget';
  /** The page's language: its words, `lang` and `dir` (the survey's, the link's or the business's). */
  locale: Locale;
  /** The header: the business's name on a survey link's page. */
  header?: string;
  /** Opened at `/s/<code>`: the link's code, and the business's path the page's requests go to. */
  link?: { code: string; basePath: string };
}

/**
 * The web chat: one static page, no build step. It talks to chat/api/* only. Its words are the
 * catalog's `screen.chat.*` in the page's language, handed to its script as a JSON block.
 */
export function chatPage({ entry = 'web', locale, header, link }: ChatPageOptions): string {
  const w = screenWords(locale);
  const t = (key: string) => escapeHtml(w.text(key));
  const words = {
    locale: w.locale,
    contactThanks: w.text('chat.contact.thanks'),
    notSent: w.text('chat.error.notSent', { reason: '{reason}' }),
    offline: w.text('chat.error.offline'),
  };
  const kindButton = (kind: (typeof surveyKinds)[number]) => {
    const { min, max } = scaleOf(kind);
    return `<button data-kind="${kind}" data-testid="start-${kind}">${kindLabel[kind]} (${w.range(min, max).html})</button>`;
  };
  return `<!doctype html>
<html lang="${w.locale}" dir="${w.dir}">
<head>
${link ? `<base href="${link.basePath}/">\n` : ''}<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t('chat.title')}</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1f2328; background: #f3f4f6; }
  body { margin: 0; display: flex; justify-content: center; }
  main { width: 100%; max-width: 480px; min-height: 100vh; background: #fff; display: flex; flex-direction: column; box-shadow: 0 0 12px #0001; }
  header { padding: 14px 16px; background: #0f766e; color: #fff; font-weight: 600; }
  #log { flex: 1; padding: 16px; display: flex; flex-direction: column; gap: 10px; overflow-y: auto; }
  .msg { max-width: 82%; padding: 9px 12px; border-radius: 14px; line-height: 1.35; white-space: pre-wrap; }
  .bot { align-self: flex-start; background: #e8f0ef; border-bottom-left-radius: 4px; }
  .visitor { align-self: flex-end; background: #0f766e; color: #fff; border-bottom-right-radius: 4px; }
  .choices { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
  .choices button { min-width: 36px; padding: 6px 8px; border: 1px solid #0f766e; background: #fff; color: #0f766e; border-radius: 8px; cursor: pointer; font-size: 15px; }
  .choices button:hover { background: #0f766e; color: #fff; }
  #contact input { flex: 1; padding: 8px; border: 1px solid #d1d5db; border-radius: 8px; font: inherit; font-size: 14px; }
  form { display: flex; gap: 8px; padding: 12px; border-top: 1px solid #e5e7eb; align-items: flex-end; }
  textarea { flex: 1; padding: 10px; border: 1px solid #d1d5db; border-radius: 8px; font: inherit; font-size: 15px; resize: vertical; min-height: 2.6em; max-height: 40vh; }
  form button, #start button { padding: 10px 14px; border: 0; border-radius: 8px; background: #0f766e; color: #fff; font-size: 15px; cursor: pointer; }
  #start { padding: 24px 16px; display: flex; flex-direction: column; gap: 12px; }
  #start .kinds { display: flex; gap: 8px; }
  #start select { padding: 8px; border-radius: 8px; }
  .hidden { display: none !important; }
  .error { margin: 0 12px; color: #b91c1c; font-size: 14px; }
  body[data-entry=widget] #start { display: none; }
  body[data-entry=widget] main { min-height: 100vh; box-shadow: none; max-width: none; }
</style>
</head>
<body data-entry="${entry}"${link ? ` data-link="${link.code}"` : ''}>
<main>
  <header>${header ? escapeHtml(header) : t('chat.header')}</header>
  <section id="start"${link ? ' class="hidden"' : ''}>
    <p>${t('chat.intro')}</p>
    <label>${t('chat.language')}
      <select id="locale">${languageList().map((l) => `<option value="${l.code}"${l.code === locale ? ' selected' : ''}>${escapeHtml(l.name)}</option>`).join('')}</select>
    </label>
    <div class="kinds">
      ${surveyKinds.map(kindButton).join('\n      ')}
    </div>
  </section>
  <div id="log" aria-live="polite"></div>
  <p id="error" class="error hidden" role="alert" data-testid="error"></p>
  <form id="contact" class="hidden" data-testid="contact">
    <input id="contact-input" autocomplete="email" placeholder="${t('chat.contact.placeholder')}" aria-label="${t('chat.contact.label')}" data-testid="contact-input">
    <button type="submit" data-testid="contact-send">${t('chat.contact.send')}</button>
  </form>
  <form id="composer" class="hidden">
    <textarea id="text" rows="1" autocomplete="off" placeholder="${t('chat.placeholder')}" aria-label="${t('chat.replyLabel')}" data-testid="reply-input"></textarea>
    <button type="submit" data-testid="send">${t('chat.send')}</button>
  </form>
</main>
<script type="application/json" id="chat-words">${jsonBlock(words)}</script>
<script>
(() => {
  const words = JSON.parse(document.getElementById('chat-words').textContent);
  const log = document.getElementById('log');
  const composer = document.getElementById('composer');
  const input = document.getElementById('text');
  const entry = document.body.dataset.entry;
  const params = new URLSearchParams(location.search);
  // Opened at /s/<code>: the survey link's code; its kind and language are the link's, asked at once.
  const link = document.body.dataset.link || '';
  const saved = 'visitor:' + (link ? 'link:' + link : entry);
  let visitorId = sessionStorage.getItem(saved);
  // The question shown before the first answer: no survey exists until the visitor answers it.
  let intro = JSON.parse(sessionStorage.getItem(saved + ':intro') || '[]');
  let shown = -1;

  // This browser's id in the page's own storage (no cookie, none from another site): answers are limited per device.
  const device = (() => {
    try {
      let id = localStorage.getItem('surveyDevice');
      if (!id) {
        id = 'd_' + Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
        localStorage.setItem('surveyDevice', id);
      }
      return id;
    } catch {
      return undefined;
    }
  })();

  const api = async (path, body) => {
    const res = await fetch('chat/api/' + path, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : undefined);
    if (!res.ok) {
      const err = new Error((await res.json()).message || res.statusText);
      err.status = res.status;
      throw err;
    }
    return res.json();
  };

  const bubble = (m) => {
    const div = document.createElement('div');
    div.className = 'msg ' + m.from;
    div.dataset.testid = m.from + '-message';
    if (m.dir) div.dir = m.dir;
    div.textContent = m.text;
    return div;
  };

  const render = (messages) => {
    const list = messages.length ? messages : intro.map((m) => ({ from: 'bot', ...m }));
    if (list.length === shown) return;
    log.replaceChildren(...list.map(bubble));
    const last = list[list.length - 1];
    if (last && last.from === 'bot' && last.choices) {
      const row = document.createElement('div');
      row.className = 'choices';
      for (const c of last.choices) {
        const b = document.createElement('button');
        b.textContent = c.label;
        b.dataset.value = c.value;
        b.dataset.testid = 'choice-' + c.value;
        b.onclick = () => send({ choice: c.value }).catch(showError);
        row.appendChild(b);
      }
      log.lastChild.appendChild(row);
    }
    shown = list.length;
    log.scrollTop = log.scrollHeight;
    // Once the visitor has answered, they may leave a contact: the business can then answer them.
    if (!contactLeft && messages.some((m) => m.from === 'visitor')) contact.classList.remove('hidden');
  };

  const refresh = async () => {
    if (!visitorId) return;
    render((await api('visitors/' + visitorId + '/messages')).messages);
  };

  const error = document.getElementById('error');
  const contact = document.getElementById('contact');
  let contactLeft = sessionStorage.getItem(saved + ':contact') === '1';
  contact.onsubmit = async (e) => {
    e.preventDefault();
    const value = document.getElementById('contact-input').value.trim();
    if (!value) return;
    error.classList.add('hidden');
    try {
      await api('visitors/' + visitorId + '/contact', { contact: value });
      contactLeft = true;
      sessionStorage.setItem(saved + ':contact', '1');
      contact.classList.add('hidden');
      const note = bubble({ from: 'bot', text: words.contactThanks });
      note.dataset.testid = 'contact-thanks';
      log.appendChild(note);
    } catch (err) {
      showError(err);
    }
  };
  const showError = (err) => {
    if (err.status === 429) {
      // Past the day's limit: said kindly, as the bot's answer, and the chat ends here.
      const note = bubble({ from: 'bot', text: err.message });
      note.dataset.testid = 'refusal';
      log.appendChild(note);
      composer.classList.add('hidden');
      document.querySelectorAll('.choices').forEach((c) => c.remove());
      return;
    }
    // No answer at all (the fetch failed): the connection, not the message.
    error.textContent = err.status === undefined && err instanceof TypeError ? words.offline : words.notSent.replace('{reason}', err.message);
    error.classList.remove('hidden');
  };

  const send = async (body) => {
    await api('visitors/' + visitorId + '/messages', { messageId: crypto.randomUUID(), ...body });
    await refresh();
  };

  const begin = () => {
    document.getElementById('start').classList.add('hidden');
    composer.classList.remove('hidden');
    render([]);
    refresh();
    setInterval(refresh, 3000);
  };

  const open = async (kind, locale, context) => {
    const opened = await api('visitors', { kind, entry, ...(link ? { link } : {}), ...(locale ? { locale } : {}), ...(device ? { device } : {}), ...(context ? { context } : {}) });
    visitorId = opened.visitorId;
    intro = opened.question;
    sessionStorage.setItem(saved, visitorId);
    sessionStorage.setItem(saved + ':intro', JSON.stringify(intro));
    begin();
  };

  document.querySelectorAll('#start button').forEach((b) => {
    b.onclick = () => open(b.dataset.kind, document.getElementById('locale').value).catch(showError);
  });

  // Enter sends, Shift+Enter starts a new line (a comment keeps its line breaks); not while an IME composes.
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      composer.requestSubmit();
    }
  });
  composer.onsubmit = async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    error.classList.add('hidden');
    try {
      await send({ text });
      input.value = ''; // only once it was taken: a refused text stays in the box to be fixed
    } catch (err) {
      showError(err);
    }
  };

  if (visitorId) begin();
  else if (link) open('nps').catch(showError);
  else if (entry === 'widget') {
    const context = {};
    for (const k of ['order', 'customer']) if (params.get(k)) context[k] = params.get(k).slice(0, 100);
    const kind = ['nps', 'csat', 'ces'].includes(params.get('kind')) ? params.get('kind') : 'nps';
    const locale = ${JSON.stringify(languageCodes())}.includes(params.get('locale')) ? params.get('locale') : undefined;
    open(kind, locale, Object.keys(context).length ? context : undefined).catch(showError);
  }
})();
</script>
</body>
</html>
`;
}
