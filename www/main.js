// Boot: draw the navigation (and the front page, if that is the link) from
// the registry emitted at build time (./registry.json, `continuum registry`;
// a test keeps it equal to the Rust registry), then load the wasm core in
// the background, pick the backend, and route. Any failure to start is
// shown as a readable message, never a blank page.

import './ui/cpu-canvas.js';
import { showError, showFatal } from './banner.js';
import { loadCore } from './core.js';
import registry from './registry.json';
import { isHome, mountHome } from './ui/home.js';
import * as lessons from './ui/lesson.js';
import * as metrics from './ui/metrics.js';

/** The navigation's links, one per lab of the registry. */
function drawNav(labs) {
  const nav = document.getElementById('labs-nav');
  for (const lab of labs) {
    const a = document.createElement('a');
    a.href = `#lab=${lab.name}`;
    a.textContent = lab.name;
    a.title = lab.title + (lab.status === 'coming' ? ' (coming)' : '');
    a.dataset.lab = lab.name;
    if (lab.status === 'coming') a.classList.add('coming');
    nav.append(a);
  }
  return nav;
}

async function boot() {
  const nav = drawNav(registry);
  const app = document.getElementById('app');
  // The front page needs no core: drawn now, its lesson links filled in once the core is here.
  let resolveCore;
  const coreReady = new Promise((resolve) => (resolveCore = resolve));
  const early = isHome(location.hash) ? mountHome(app, registry, coreReady) : null;
  let core;
  try {
    core = await loadCore();
  } catch (e) {
    showFatal(
      'The Continuum core could not be loaded.',
      `Your browser needs WebAssembly, or the download failed (${e?.message ?? e}). Reload to try again; if it keeps failing, try a current Chrome, Edge, Firefox or Safari.`,
      Boolean(early),
    );
    document.getElementById('kernel-check').textContent = 'Kernel check: not run (the core did not load).';
    resolveCore(null);
    return;
  }
  resolveCore(core);
  const { startBackend, gpu } = await import('./backend.js');
  const { startRouter } = await import('./router.js');
  const { runKernelCheck } = await import('./kernel-check.js');
  const { renderComing } = await import('./ui/coming.js');
  const { mountScoreboard } = await import('./ui/scoreboard.js');
  // One view per lab folder (www/labs/<name>/view.js exports `mount`); a
  // lab of the registry without one gets its "coming" page.
  const views = {};
  for (const [path, load] of Object.entries(import.meta.glob('./labs/*/view.js'))) {
    views[path.split('/')[2]] = (await load()).mount;
  }

  const labs = core.labs();

  // The backend first: views decide at mount whether to draw on the GPU.
  await startBackend();

  let current = early ? { lab: 'home', view: early } : { lab: null, view: null };
  // Lessons: the author panel from the header, and a running lesson's bar after a reload.
  const write = document.createElement('button');
  write.type = 'button';
  write.className = 'write-lesson';
  write.textContent = 'Write a lesson';
  write.addEventListener('click', () => lessons.toggleAuthor(core, labs));
  nav.after(write);
  lessons.restoreLesson(core);
  startRouter((report) => {
    for (const a of nav.children) {
      if (a.dataset.lab === report.lab) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (current.lab === report.lab && current.view) {
      current.view.update(report);
      return;
    }
    current.view?.destroy();
    document.title = report.lab === 'home' ? 'Continuum — continuous-depth playground' : `${labs.find((l) => l.name === report.lab)?.title} · Continuum`;
    if (report.lab === 'home') {
      current = { lab: 'home', view: mountHome(app, labs, core) };
      return;
    }
    if (report.lab === 'lesson') {
      // A shared lesson opens its first unfinished step (a lab link); one that
      // cannot be read leaves a banner naming the problem over the front page.
      current = { lab: 'home', view: mountHome(app, labs, core) };
      lessons.openLesson(core, report.hash);
      return;
    }
    if (report.lab === 'claims') {
      document.title = 'Claims over seeds · Continuum';
      current = { lab: 'claims', view: mountScoreboard(app, core) };
      return;
    }
    const lab = labs.find((l) => l.name === report.lab);
    const mount = views[lab.name];
    current = { lab: lab.name, view: mount ? mount(app, core, report) : null };
    if (!mount) renderComing(app, lab, report, core.knobs(lab.name));
  });

  await runKernelCheck();
  // Ready once the first full frame is painted.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  // For people in the console and for the end-to-end tests (before `ready`,
  // which tests wait for).
  globalThis.continuum = {
    backend: () => (gpu() ? 'webgpu' : 'cpu'),
    labs: () => labs,
    simulateGpuLoss: () => gpu()?.simulateLoss(),
    // The live metrics vocabulary (ui/metrics.js): a lab's registry names, the current values.
    metric: (name) => metrics.metric(name),
    metrics: () => metrics.allMetrics(),
    claims: () => core.claims(),
  };
  document.body.dataset.ready = 'true';
  // The offline copy last, so the first visit's downloads never wait on it.
  const { keepOffline } = await import('./offline.js');
  document.body.dataset.offline = await keepOffline();
}

addEventListener('unhandledrejection', (event) => {
  showError(`Something went wrong: ${event.reason?.message ?? event.reason}. Your link and settings are kept; reload to retry.`);
});

boot();
