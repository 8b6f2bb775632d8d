// The front page (`#lab=home`, or a link with no hash at all): one card per
// lab of the registry with a still of it, the idea in its own words, the
// papers it comes from, and the preset that shows its claim. Stills are
// `www/labs/<lab>/thumb.jpg` (made by `node tools/thumbs.mjs` from the
// built site); a lab without one gets a plain card. Each card also starts
// the lab's built-in lesson (`www/labs/<lab>/lesson.json`, see ./lesson.js).

import { encodeLesson } from './lesson.js';

const THUMBS = import.meta.glob('../labs/*/thumb.jpg', { eager: true, query: '?url', import: 'default' });
const LESSONS = import.meta.glob('../labs/*/lesson.json', { eager: true, import: 'default' });

/** The hash of the front page. */
export const HOME = '#lab=home';

/** Whether `hash` asks for the front page: no hash, `#`, or `#lab=home…`. */
export function isHome(hash) {
  return hash === '' || hash === '#' || /^#lab=home(&|$)/.test(hash);
}

/**
 * The front page of `labs` (the registry, as `continuum registry` prints it);
 * `core` is the loaded core or a promise of it (null if it failed).
 */
export function mountHome(app, labs, core) {
  const root = document.createElement('section');
  root.className = 'home';
  root.dataset.lab = 'home';
  const h1 = document.createElement('h1');
  h1.textContent = 'Continuum: ten papers, seven labs, one browser tab';
  const intro = document.createElement('p');
  intro.className = 'summary';
  intro.textContent =
    'Each lab turns the ideas of a paper on continuous-depth networks and dynamical systems into an experiment that runs here, on your GPU when the browser has WebGPU and on the CPU otherwise. Every setting lives in the link: copy it, and whoever opens it sees the same numbers (so does the command-line runner). Pick a lab, or open the preset that shows its paper\'s claim.';
  const scoreboard = document.createElement('p');
  const board = document.createElement('a');
  board.href = '#lab=claims';
  board.className = 'scoreboard-link';
  board.textContent = 'The claims scoreboard: every paper claim over seeds, with its control, and whether it holds here.';
  scoreboard.append(board);
  const cards = document.createElement('div');
  cards.className = 'cards';
  for (const lab of labs) cards.append(card(lab, core));
  root.append(h1, intro, scoreboard, cards);
  app.replaceChildren(root);
  return { update() {}, destroy() {} };
}

function card(lab, core) {
  const el = document.createElement('article');
  el.className = 'card';
  el.dataset.lab = lab.name;
  const href = `#lab=${lab.name}`;
  const thumb = THUMBS[`../labs/${lab.name}/thumb.jpg`];
  if (thumb) {
    const a = link(href, '');
    a.className = 'thumb-link';
    a.tabIndex = -1; // the title below is the same link, once for the keyboard
    const img = document.createElement('img');
    img.src = thumb;
    img.alt = `A still of the ${lab.title} lab`;
    img.loading = 'lazy';
    // Offline, a still the service worker never saw is not there: the card goes on without it.
    img.addEventListener('error', () => a.remove());
    a.append(img);
    el.append(a);
  }
  const h2 = document.createElement('h2');
  h2.append(link(href, lab.title));
  const idea = document.createElement('p');
  idea.textContent = lab.summary;
  const papers = document.createElement('p');
  papers.className = 'papers';
  papers.append(lab.papers.length > 1 ? 'Papers: ' : 'Paper: ');
  lab.papers.forEach((p, i) => {
    const cite = document.createElement('cite');
    cite.textContent = p;
    papers.append(...(i ? ['; ', cite] : [cite]));
  });
  el.append(h2, idea, papers);
  const claim = lab.presets[0];
  if (claim) {
    const p = document.createElement('p');
    p.className = 'claim';
    const a = link(claim.link, `The claim: ${claim.name}`);
    a.dataset.preset = '';
    p.append(a);
    el.append(p);
  }
  // The lab's built-in lesson (www/labs/<name>/lesson.json), as its link.
  const lesson = LESSONS[`../labs/${lab.name}/lesson.json`];
  if (lesson) {
    // Its link needs the core (lessons are checked by the Rust rules): filled in once the core is here.
    const p = document.createElement('p');
    p.className = 'lesson-start';
    const a = link('#lab=home', `Start the lesson: ${lesson.title}`);
    a.dataset.lesson = lab.name;
    Promise.resolve(core)
      .then((c) => (c ? encodeLesson(c, lesson).then((hash) => (a.href = hash)) : p.remove()))
      .catch(() => p.remove());
    p.append(a);
    el.append(p);
  }
  return el;
}

function link(href, text) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}
