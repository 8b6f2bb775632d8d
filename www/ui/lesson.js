// Lessons in the page: a teacher's sequence of lab links shared as one
// `#lesson=` link (the format and every rule about it are Rust's,
// src/core/lesson.rs, reached through `core.lessonParse`).
//
// - Links: `#lesson=` + base64url (no padding) of the raw-deflated JSON,
//   through the browser's CompressionStream; the CLI's `continuum lesson`
//   decodes the same and encodes what this decodes.
// - Student mode: a bar above the lab (#lesson-bar) with the step's text,
//   its question, its live check (a metric of the lab's vocabulary, read
//   through ./metrics.js) and what to notice; each step opens its lab by
//   its link. The running lesson lives in sessionStorage (a reload keeps
//   it), each lesson's progress in localStorage (clearable).
// - Author mode (#lesson-author): steps from the current view, edited,
//   reordered, previewed, copied as a link, exported and imported as .json.
// - A printable worksheet with the questions, space for answers and a QR
//   code of the link.
//
// A lesson is untrusted: its strings only ever become text nodes
// (textContent; `dir="auto"` per block so right-to-left scripts lay out
// right to left), and its links are the site's own hashes (Rust checks).

import { showError } from '../banner.js';
import { clearMetrics, metric } from './metrics.js';
import { qrSvg } from './handout.js';

export const PREFIX = '#lesson=';
/** As core::lesson: the largest link and inflated JSON this page reads. */
const MAX_LINK = 32 * 1024;
const MAX_JSON = 64 * 1024;
const ACTIVE = 'continuum.lesson.active';
const DRAFT = 'continuum.lesson.draft';
const PROGRESS = 'continuum.lesson.progress.';

export const isLesson = (hash) => hash.startsWith(PREFIX);

function toBase64Url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('the lesson link is damaged (not base64url); copy it again whole');
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

async function inflate(bytes) {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const parts = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_JSON) {
        reader.cancel().catch(() => {});
        throw new Error(`the lesson inflates to more than ${MAX_JSON} bytes`);
      }
      parts.push(value);
    }
  } catch (e) {
    if (e.message?.startsWith('the lesson')) throw e;
    throw new Error('the lesson link is damaged (it does not inflate); copy it again whole');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(await new Blob(parts).arrayBuffer());
  } catch {
    throw new Error('the lesson is not UTF-8 text');
  }
}

async function deflate(text) {
  const stream = new Blob([new TextEncoder().encode(text)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The lesson a `#lesson=` hash carries, validated by the core: {lesson, json}; throws an Error saying what is wrong. */
export async function decodeLesson(core, hash) {
  const data = hash.slice(hash.indexOf(PREFIX) + PREFIX.length);
  if (data.length > MAX_LINK) throw new Error(`the lesson link is ${data.length} bytes; at most ${MAX_LINK} are read`);
  const json = await inflate(fromBase64Url(data));
  return parseLesson(core, json);
}

/** A lesson's JSON text, validated: {lesson, json (compact)}; throws with the core's reason. */
export function parseLesson(core, text) {
  try {
    return core.lessonParse(text);
  } catch (e) {
    throw new Error(typeof e === 'string' ? e : e.message);
  }
}

/** The `#lesson=` hash of a lesson object (validated first). */
export async function encodeLesson(core, lesson) {
  const { json } = parseLesson(core, JSON.stringify(lesson));
  return PREFIX + toBase64Url(await deflate(json));
}

// ---- Rendering lesson text: a small Markdown subset, as DOM nodes only. ----

/** Inline text: *emphasis*, **strong**, `code`, [label](#hash) (site hashes only; anything else stays text). */
function inline(parent, text) {
  const re = /(\*\*[^*]+\*\*|\*[^*]+\*|`[^`]+`|\[[^\]]+\]\((#[^)\s]*)\))/g;
  let at = 0;
  for (const m of text.matchAll(re)) {
    parent.append(text.slice(at, m.index));
    const t = m[0];
    let el;
    if (t.startsWith('**')) (el = document.createElement('strong')).textContent = t.slice(2, -2);
    else if (t.startsWith('*')) (el = document.createElement('em')).textContent = t.slice(1, -1);
    else if (t.startsWith('`')) (el = document.createElement('code')).textContent = t.slice(1, -1);
    else {
      el = document.createElement('a');
      el.textContent = t.slice(1, t.indexOf(']('));
      el.href = /^#(lab|lesson)=/.test(m[2]) ? m[2] : '#';
    }
    parent.append(el);
    at = m.index + t.length;
  }
  parent.append(text.slice(at));
}

/** Paragraphs (blank lines) and lists (lines starting "- "), each block `dir="auto"`. */
export function renderText(text) {
  const box = document.createElement('div');
  box.className = 'lesson-text';
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n');
    if (lines.every((l) => /^\s*[-*] /.test(l))) {
      const ul = document.createElement('ul');
      ul.dir = 'auto';
      for (const l of lines) {
        const li = document.createElement('li');
        inline(li, l.replace(/^\s*[-*] /, ''));
        ul.append(li);
      }
      box.append(ul);
    } else {
      const p = document.createElement('p');
      p.dir = 'auto';
      inline(p, lines.join(' '));
      box.append(p);
    }
  }
  return box;
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

// ---- Student mode. ----

/** A short stable key of a lesson's JSON, for its progress. */
function keyOf(json) {
  let h = 2166136261;
  for (let i = 0; i < json.length; i++) h = Math.imul(h ^ json.charCodeAt(i), 16777619) >>> 0;
  return h.toString(36);
}

const load = (store, key, fallback) => {
  try {
    return JSON.parse(store.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
};
const save = (store, key, value) => {
  try {
    store.setItem(key, JSON.stringify(value));
  } catch {
    /* storage full or blocked: progress is not kept, the lesson still runs */
  }
};

let running = null; // {lesson, json, link, key, progress, timer}
let claims = []; // the registry's claims ({lab, index, name}), for checks that name one

/** Opens a `#lesson=` hash: the lesson's first unfinished step, or a banner naming the problem (nothing of it runs). */
export async function openLesson(core, hash) {
  claims = core.claims();
  let decoded;
  try {
    decoded = await decodeLesson(core, hash);
  } catch (e) {
    showError(`This lesson link cannot be opened: ${e.message}.`);
    return false;
  }
  showError(null);
  start(decoded.lesson, decoded.json, hash);
  return true;
}

function start(lesson, json, link) {
  const key = keyOf(json);
  const progress = load(localStorage, PROGRESS + key, { step: 0, answers: {} });
  progress.step = Math.min(progress.step ?? 0, lesson.steps.length - 1);
  save(sessionStorage, ACTIVE, { json, link });
  stopRunning();
  running = { lesson, json, link, key, progress, timer: null };
  go(progress.step);
}

/** After a reload: the running lesson's bar again. */
export function restoreLesson(core) {
  claims = core.claims();
  const active = load(sessionStorage, ACTIVE, null);
  if (!active) return;
  try {
    const { lesson, json } = parseLesson(core, active.json);
    const progress = load(localStorage, PROGRESS + keyOf(json), { step: 0, answers: {} });
    running = { lesson, json, link: active.link, key: keyOf(json), progress, timer: null };
    drawBar();
  } catch {
    sessionStorage.removeItem(ACTIVE);
  }
}

function stopRunning() {
  if (running?.timer) clearInterval(running.timer);
  document.getElementById('lesson-bar')?.remove();
}

function leave() {
  stopRunning();
  running = null;
  sessionStorage.removeItem(ACTIVE);
}

function go(i) {
  const { lesson, progress } = running;
  progress.step = Math.max(0, Math.min(lesson.steps.length - 1, i));
  save(localStorage, PROGRESS + running.key, progress);
  drawBar();
  const link = lesson.steps[progress.step].link;
  if (location.hash === link) return;
  // The last step's numbers are not this step's: its check waits for the new run's.
  clearMetrics();
  location.hash = link;
}

function drawBar() {
  const { lesson, progress } = running;
  const i = progress.step;
  const step = lesson.steps[i];
  if (running.timer) clearInterval(running.timer);
  const bar = el('section', { id: 'lesson-bar', className: 'lesson-bar', 'aria-label': 'Lesson' });
  const head = el('div', { className: 'lesson-head' });
  head.append(el('strong', { dir: 'auto', className: 'lesson-title' }, lesson.title));
  if (lesson.author) head.append(' ', el('span', { dir: 'auto', className: 'hint' }, `by ${lesson.author}`));
  head.append(' ', el('span', { className: 'lesson-step', dataset: { step: String(i + 1) } }, `Step ${i + 1} of ${lesson.steps.length}`));
  head.append(' ', el('progress', { max: lesson.steps.length, value: i + 1 }));
  bar.append(head, renderText(step.text));

  if (typeof step.question === 'string') {
    const area = el('textarea', { className: 'lesson-answer', rows: 2, dir: 'auto', 'aria-label': 'Your answer' });
    area.value = progress.answers[i] ?? '';
    area.addEventListener('input', () => {
      progress.answers[i] = area.value;
      save(localStorage, PROGRESS + running.key, progress);
    });
    bar.append(el('p', { dir: 'auto', className: 'lesson-question' }, step.question), area);
  } else if (step.question) {
    const q = step.question;
    const box = el('fieldset', { className: 'lesson-choices' }, el('legend', {}, 'Choose one'));
    const verdict = el('span', { className: 'lesson-verdict' });
    q.choices.forEach((c, k) => {
      const input = el('input', { type: 'radio', name: `lesson-choice-${i}`, value: String(k), checked: progress.answers[i] === k });
      input.addEventListener('change', () => {
        progress.answers[i] = k;
        save(localStorage, PROGRESS + running.key, progress);
        verdict.textContent = q.answer === undefined || q.answer === null ? '' : k === q.answer ? ' Right.' : ' Not quite: look again.';
      });
      box.append(el('label', { dir: 'auto' }, input, ' ', c));
    });
    box.append(verdict);
    bar.append(box);
  }

  const notice = el('div', { className: 'lesson-notice', hidden: true });
  if (step.notice) notice.append(el('strong', {}, 'What to notice: '), renderText(step.notice));
  if (step.check) {
    // Re-read twice a second: {state: 'waiting' | 'pass' | 'fail', text}.
    const read = step.check.claim ? claimCheck(step.check, step.link) : metricCheck(step.check);
    const status = el('span', { className: 'lesson-check', dataset: { state: 'waiting' } });
    const show = () => {
      const { state, text } = read();
      status.dataset.state = state;
      status.textContent = `Check: ${text}`;
      if (state === 'pass') notice.hidden = false;
    };
    show();
    running.timer = setInterval(show, 500);
    bar.append(el('p', {}, status));
  }
  const buttons = el('div', { className: 'buttons' });
  const button = (text, action, props = {}) => {
    const b = el('button', { type: 'button', ...props }, text);
    b.dataset.lessonAction = action;
    b.addEventListener('click', () => ACTIONS[action]());
    buttons.append(b);
    return b;
  };
  const ACTIONS = {
    prev: () => go(i - 1),
    next: () => go(i + 1),
    notice: () => (notice.hidden = false),
    reopen: () => {
      if (location.hash !== step.link) location.hash = step.link;
    },
    worksheet: () => openWorksheet(running.lesson, running.link),
    clear: () => {
      localStorage.removeItem(PROGRESS + running.key);
      running.progress = { step: 0, answers: {} };
      go(0);
    },
    leave,
  };
  button('← Previous', 'prev', { disabled: i === 0 });
  button('Next →', 'next', { disabled: i === lesson.steps.length - 1 });
  if (step.notice) button('What to notice', 'notice');
  button('Reopen this step', 'reopen');
  button('Worksheet', 'worksheet');
  button('Clear progress', 'clear');
  button('Leave the lesson', 'leave');
  bar.append(notice, buttons);
  const old = document.getElementById('lesson-bar');
  if (old) old.replaceWith(bar);
  else document.getElementById('app').before(bar);
}

/** A live metric against its number (core::lesson::MetricCheck::passes is the Rust side). */
function metricCheck(c) {
  return () => {
    const v = metric(c.metric);
    if (v === null || v === undefined) return { state: 'waiting', text: `${c.metric} ${c.op} ${c.value} — now not measured yet …` };
    const pass = c.op === '<' ? v < c.value : c.op === '<=' ? v <= c.value : c.op === '>' ? v > c.value : v >= c.value;
    return { state: pass ? 'pass' : 'fail', text: `${c.metric} ${c.op} ${c.value} — now ${Number(v).toPrecision(4)} ${pass ? '✓' : '✗'}` };
  };
}

/** A claim's verdict, as the lab page's "Over seeds" table shows it (recorded, or the student's seeds). */
function claimCheck(check, link) {
  const c = claims.find((k) => k.name === check.claim && (link === `#lab=${k.lab}` || link.startsWith(`#lab=${k.lab}&`)));
  return () => {
    const holds = c && document.querySelector(`tr[data-claim="${c.lab}:${c.index}"] .verdict`)?.dataset.holds;
    const state = holds === 'true' ? 'pass' : holds === 'false' ? 'fail' : 'waiting';
    const verdict = { pass: 'it does ✓', fail: 'it does not here ✗', waiting: 'no verdict yet …' }[state];
    return { state, text: `the claim "${check.claim}" holds over seeds — ${verdict}` };
  };
}

// ---- The worksheet. ----

/** A print view: the lesson's title, link and QR code, each step's text and question with room to answer. */
export function openWorksheet(lesson, link) {
  document.querySelector('.worksheet')?.remove();
  const url = location.origin + location.pathname + link;
  const sheet = el('div', { className: 'worksheet handout', role: 'dialog', 'aria-label': 'Worksheet: print view of this lesson' });
  const head = el('header', {}, el('div', {}, el('h1', { dir: 'auto' }, lesson.title), el('p', { className: 'handout-link' }, url)));
  try {
    head.append(qrSvg(url));
  } catch {
    head.append(el('p', { className: 'hint' }, 'This lesson is too long for a QR code: share the link.'));
  }
  sheet.append(head);
  lesson.steps.forEach((step, i) => {
    const part = el('section', { className: 'worksheet-step' }, el('h2', {}, `Step ${i + 1}`), renderText(step.text));
    const q = step.question;
    if (typeof q === 'string') part.append(el('p', { dir: 'auto' }, el('strong', {}, 'Question: '), q));
    else if (q) part.append(el('ul', { dir: 'auto' }, ...q.choices.map((c) => el('li', {}, '☐ ', c))));
    if (q) part.append(el('div', { className: 'answer-lines' }));
    sheet.append(part);
  });
  const buttons = el('div', { className: 'buttons no-print' });
  const print = el('button', { type: 'button' }, 'Print');
  print.addEventListener('click', () => print.ownerDocument.defaultView.print());
  const close = el('button', { type: 'button' }, 'Close');
  close.addEventListener('click', () => sheet.remove());
  buttons.append(print, close);
  sheet.prepend(buttons);
  document.body.append(sheet);
  return sheet;
}

// ---- Author mode. ----

function draft() {
  return load(localStorage, DRAFT, { v: 1, title: '', steps: [] });
}

/** Opens (or closes) the author panel over the current page. */
export function toggleAuthor(core, labs) {
  const open = document.getElementById('lesson-author');
  if (open) {
    open.remove();
    return;
  }
  drawAuthor(core, labs, draft());
}

function drawAuthor(core, labs, lesson) {
  const keep = () => save(localStorage, DRAFT, lesson);
  const panel = el('section', { id: 'lesson-author', className: 'lesson-author', 'aria-label': 'Lesson author' });
  panel.append(el('h2', {}, 'Write a lesson'));
  const title = el('input', { className: 'lesson-title-input', value: lesson.title, dir: 'auto', 'aria-label': 'Lesson title', placeholder: 'Title' });
  title.addEventListener('input', () => {
    lesson.title = title.value;
    keep();
  });
  const author = el('input', { value: lesson.author ?? '', dir: 'auto', 'aria-label': 'Author', placeholder: 'Author (optional)' });
  author.addEventListener('input', () => {
    lesson.author = author.value || undefined;
    keep();
  });
  panel.append(el('div', { className: 'control' }, title, ' ', author));
  const redraw = () => {
    keep();
    drawAuthor(core, labs, lesson);
  };
  lesson.steps.forEach((step, i) => {
    const box = el('fieldset', { className: 'lesson-edit-step', dataset: { step: String(i + 1) } }, el('legend', {}, `Step ${i + 1}`));
    const field = (label, input) => box.append(el('label', { className: 'control' }, label, ' ', input));
    const link = el('input', { value: step.link, 'aria-label': `Step ${i + 1} link`, className: 'lesson-link-input' });
    link.addEventListener('change', () => ((step.link = link.value), keep()));
    const text = el('textarea', { rows: 3, dir: 'auto', className: 'lesson-text-input', 'aria-label': `Step ${i + 1} text` });
    text.value = step.text;
    text.addEventListener('input', () => ((step.text = text.value), keep()));
    const question = el('input', { dir: 'auto', className: 'lesson-question-input', 'aria-label': `Step ${i + 1} question` });
    question.value = typeof step.question === 'string' ? step.question : '';
    question.addEventListener('input', () => ((step.question = question.value || undefined), keep()));
    const lab = labs.find((l) => step.link === `#lab=${l.name}` || step.link.startsWith(`#lab=${l.name}&`));
    const metricSelect = el('select', { className: 'lesson-metric-input', 'aria-label': `Step ${i + 1} check metric` }, el('option', { value: '' }, 'no check'));
    for (const m of lab?.metrics ?? []) metricSelect.append(el('option', { value: m, selected: step.check?.metric === m }, m));
    const op = el('select', { className: 'lesson-op-input', 'aria-label': `Step ${i + 1} check op` }, ...['<', '<=', '>', '>='].map((o) => el('option', { value: o, selected: step.check?.op === o }, o)));
    const value = el('input', { type: 'number', step: 'any', className: 'lesson-value-input', 'aria-label': `Step ${i + 1} check value`, value: step.check?.value ?? '' });
    const setCheck = () => {
      step.check = metricSelect.value && value.value !== '' ? { metric: metricSelect.value, op: op.value, value: Number(value.value) } : undefined;
      keep();
    };
    for (const c of [metricSelect, op, value]) c.addEventListener('change', setCheck);
    const notice = el('textarea', { rows: 2, dir: 'auto', className: 'lesson-notice-input', 'aria-label': `Step ${i + 1} what to notice` });
    notice.value = step.notice ?? '';
    notice.addEventListener('input', () => ((step.notice = notice.value || undefined), keep()));
    field('Link', link);
    field('Text', text);
    field('Question', question);
    box.append(el('div', { className: 'control' }, 'Check ', metricSelect, ' ', op, ' ', value));
    field('What to notice', notice);
    const move = (d) => {
      const j = i + d;
      if (j < 0 || j >= lesson.steps.length) return;
      [lesson.steps[i], lesson.steps[j]] = [lesson.steps[j], lesson.steps[i]];
      redraw();
    };
    const small = (text, label, f) => {
      const b = el('button', { type: 'button', 'aria-label': label }, text);
      b.addEventListener('click', f);
      return b;
    };
    box.append(
      el(
        'div',
        { className: 'buttons' },
        small('↑', `Move step ${i + 1} up`, () => move(-1)),
        small('↓', `Move step ${i + 1} down`, () => move(1)),
        small('Remove', `Remove step ${i + 1}`, () => (lesson.steps.splice(i, 1), redraw())),
      ),
    );
    panel.append(box);
  });
  const out = el('output', { className: 'lesson-link-out', dir: 'ltr' });
  const say = (text) => (out.textContent = text);
  const action = (text, name, f) => {
    const b = el('button', { type: 'button', dataset: { lessonAuthor: name } }, text);
    b.addEventListener('click', async () => {
      try {
        await f();
      } catch (e) {
        say(`Not yet a lesson: ${e.message}`);
      }
    });
    return b;
  };
  const clean = () => JSON.parse(JSON.stringify(lesson));
  const file = el('input', { type: 'file', accept: '.json,application/json', hidden: true });
  file.addEventListener('change', async () => {
    const f = file.files[0];
    if (!f) return;
    if (f.size > MAX_JSON) return say(`Not imported: the file is ${f.size} bytes; at most ${MAX_JSON}.`);
    try {
      const { lesson: read } = parseLesson(core, await f.text());
      save(localStorage, DRAFT, read);
      drawAuthor(core, labs, read);
    } catch (e) {
      say(`Not imported: ${e.message}`);
    }
  });
  panel.append(
    el(
      'div',
      { className: 'buttons' },
      action('Add this view as a step', 'add', () => {
        lesson.steps.push({ link: location.hash || '#lab=depth', text: '' });
        redraw();
      }),
      action('Preview', 'preview', async () => {
        const { lesson: ok, json } = parseLesson(core, JSON.stringify(clean()));
        start(ok, json, await encodeLesson(core, ok));
      }),
      action('Copy link', 'copy', async () => {
        const link = location.origin + location.pathname + (await encodeLesson(core, clean()));
        say(link);
        await navigator.clipboard?.writeText(link).catch(() => {});
      }),
      action('Export .json', 'export', () => {
        const { json } = parseLesson(core, JSON.stringify(clean()));
        const a = el('a', { href: URL.createObjectURL(new Blob([json], { type: 'application/json' })), download: 'lesson.json' });
        a.click();
        URL.revokeObjectURL(a.href);
      }),
      action('Import .json', 'import', () => file.click()),
      action('Close', 'close', () => panel.remove()),
    ),
    file,
    out,
  );
  const old = document.getElementById('lesson-author');
  if (old) old.replaceWith(panel);
  else document.getElementById('app').before(panel);
  return panel;
}
