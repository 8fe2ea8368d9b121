import { languageCodes, languageList, languagesVersion } from '../../dialogs/languages.js';

/**
 * The web chat: one static page, no build step. It talks to /chat/api/* only. `entry` is where it
 * is opened: `web` (the chat page, the visitor picks a survey) or `widget` (framed by a business's
 * website, opened at once with what the website passed in its query).
 */
const pageFor = (entry: 'web' | 'widget') => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Survey chat</title>
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
<body data-entry="${entry}">
<main>
  <header>Customer survey</header>
  <section id="start">
    <p>Try a one-question survey, as a customer would get it by text message.</p>
    <label>Language
      <select id="locale">${languageList().map((l) => `<option value="${l.code}">${l.name.replace(/[<&"]/g, '')}</option>`).join('')}</select>
    </label>
    <div class="kinds">
      <button data-kind="nps" data-testid="start-nps">NPS (0-10)</button>
      <button data-kind="csat" data-testid="start-csat">CSAT (1-5)</button>
      <button data-kind="ces" data-testid="start-ces">CES (1-7)</button>
    </div>
  </section>
  <div id="log" aria-live="polite"></div>
  <p id="error" class="error hidden" role="alert" data-testid="error"></p>
  <form id="contact" class="hidden" data-testid="contact">
    <input id="contact-input" autocomplete="email" placeholder="Phone or e-mail, if you would like an answer (optional)" aria-label="Phone or e-mail (optional)" data-testid="contact-input">
    <button type="submit" data-testid="contact-send">Leave it</button>
  </form>
  <form id="composer" class="hidden">
    <textarea id="text" rows="1" autocomplete="off" placeholder="Type a reply (Shift+Enter: new line)" aria-label="Reply" data-testid="reply-input"></textarea>
    <button type="submit" data-testid="send">Send</button>
  </form>
</main>
<script>
(() => {
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
      const note = bubble({ from: 'bot', text: 'Thank you: we can answer you there now.' });
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
    error.textContent = 'Not sent. ' + err.message;
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

const pages = new Map<string, string>();
/** The page, built again when a language is added (the language picker lists every registered one). */
const cached = (entry: 'web' | 'widget') => (): string => {
  const key = `${entry}:${languagesVersion()}`;
  let page = pages.get(key);
  if (!page) pages.set(key, (page = pageFor(entry)));
  return page;
};
export const chatPage = cached('web');
export const embedPage = cached('widget');
