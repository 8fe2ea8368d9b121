/** The web chat: one static page, no build step. It talks to /chat/api/* only. */
export const chatPage = `<!doctype html>
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
  form { display: flex; gap: 8px; padding: 12px; border-top: 1px solid #e5e7eb; align-items: flex-end; }
  textarea { flex: 1; padding: 10px; border: 1px solid #d1d5db; border-radius: 8px; font: inherit; font-size: 15px; resize: vertical; min-height: 2.6em; max-height: 40vh; }
  form button, #start button { padding: 10px 14px; border: 0; border-radius: 8px; background: #0f766e; color: #fff; font-size: 15px; cursor: pointer; }
  #start { padding: 24px 16px; display: flex; flex-direction: column; gap: 12px; }
  #start .kinds { display: flex; gap: 8px; }
  #start select { padding: 8px; border-radius: 8px; }
  .hidden { display: none !important; }
  .error { margin: 0 12px; color: #b91c1c; font-size: 14px; }
</style>
</head>
<body>
<main>
  <header>Customer survey</header>
  <section id="start">
    <p>Try a one-question survey, as a customer would get it by text message.</p>
    <label>Language
      <select id="locale"><option value="en">English</option><option value="es">Español</option><option value="ur">اردو</option></select>
    </label>
    <div class="kinds">
      <button data-kind="nps" data-testid="start-nps">NPS (0-10)</button>
      <button data-kind="csat" data-testid="start-csat">CSAT (1-5)</button>
      <button data-kind="ces" data-testid="start-ces">CES (1-7)</button>
    </div>
  </section>
  <div id="log" aria-live="polite"></div>
  <p id="error" class="error hidden" role="alert" data-testid="error"></p>
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
  // Opened at /s/<code>: the survey link's code; its kind and language are the link's, asked at once.
  const link = document.body.dataset.link || '';
  const visitorKey = link ? 'visitorId:' + link : 'visitorId';
  let visitorId = sessionStorage.getItem(visitorKey);
  let shown = 0;

  const api = async (path, body) => {
    const res = await fetch('chat/api/' + path, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : undefined);
    if (!res.ok) throw new Error((await res.json()).message || res.statusText);
    return res.json();
  };

  const render = (messages) => {
    for (const m of messages.slice(shown)) {
      document.querySelectorAll('.choices').forEach((c) => c.remove());
      const div = document.createElement('div');
      div.className = 'msg ' + m.from;
      div.dataset.testid = m.from + '-message';
      if (m.dir) div.dir = m.dir;
      div.textContent = m.text;
      if (m.choices) {
        const row = document.createElement('div');
        row.className = 'choices';
        for (const c of m.choices) {
          const b = document.createElement('button');
          b.textContent = c.label;
          b.dataset.value = c.value;
          b.dataset.testid = 'choice-' + c.value;
          b.onclick = () => send({ choice: c.value });
          row.appendChild(b);
        }
        div.appendChild(row);
      }
      log.appendChild(div);
    }
    shown = messages.length;
    log.scrollTop = log.scrollHeight;
  };

  const refresh = async () => {
    if (!visitorId) return;
    render((await api('visitors/' + visitorId + '/messages')).messages);
  };

  const send = async (body) => {
    await api('visitors/' + visitorId + '/messages', { messageId: crypto.randomUUID(), ...body });
    await refresh();
  };

  const begin = () => {
    document.getElementById('start').classList.add('hidden');
    composer.classList.remove('hidden');
    refresh();
    setInterval(refresh, 3000);
  };

  const error = document.getElementById('error');
  const startWith = async (body) => {
    try {
      visitorId = (await api('visitors', body)).visitorId;
    } catch (err) {
      error.textContent = err.message;
      error.classList.remove('hidden');
      return;
    }
    sessionStorage.setItem(visitorKey, visitorId);
    begin();
  };
  document.querySelectorAll('#start button').forEach((b) => {
    b.onclick = () => startWith({ kind: b.dataset.kind, locale: document.getElementById('locale').value });
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
      error.textContent = 'Not sent. ' + err.message;
      error.classList.remove('hidden');
    }
  };

  if (visitorId) begin();
  else if (link) startWith({ link });
})();
</script>
</body>
</html>
`;
