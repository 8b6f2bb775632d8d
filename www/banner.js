// The two message areas: the error banner (something failed; what to do) and
// the notice list (what a link asked for that could not be honoured).

const errorEl = () => document.getElementById('error-banner');
const noticesEl = () => document.getElementById('notices');

/** Shows an error message; `null` hides the banner. */
export function showError(message) {
  const el = errorEl();
  el.textContent = message ?? '';
  el.hidden = !message;
}

/** Shows link notices (`[{key, message}]`), or hides the list when empty. */
export function showNotices(notices) {
  const el = noticesEl();
  el.replaceChildren();
  if (!notices.length) {
    el.hidden = true;
    return;
  }
  const title = document.createElement('strong');
  title.textContent = 'This link had problems; the rest of it was used:';
  const list = document.createElement('ul');
  for (const n of notices) {
    const li = document.createElement('li');
    li.textContent = n.message;
    if (n.key) li.dataset.key = n.key;
    list.append(li);
  }
  el.append(title, list);
  el.hidden = false;
}

/**
 * Replaces the whole app with a readable failure (the core did not start);
 * with `keep`, puts it above what the app already shows (the front page,
 * drawn without the core).
 */
export function showFatal(title, detail, keep = false) {
  document.body.dataset.failed = 'true';
  const app = document.getElementById('app');
  const box = document.createElement('section');
  box.className = 'fatal';
  box.setAttribute('role', 'alert');
  const h = document.createElement('h2');
  h.textContent = title;
  const p = document.createElement('p');
  p.textContent = detail;
  box.append(h, p);
  if (keep) app.prepend(box);
  else app.replaceChildren(box);
}
