// What every lab page shares: the page itself (heading, summary, presets,
// banner, live metrics), the run buttons, the preset links, writing one knob
// into the hash, downloads, and the printable handout.

import { openHandout } from './handout.js';
import { clearMetrics, mountMetrics, refreshMetrics } from './metrics.js';
import { showValues } from './controls.js';
import { labGpu } from '../backend.js';
import { claimsPanel } from './scoreboard.js';
import { mapsPanel } from './maps.js';
import { expectLink } from '../router.js';

/**
 * Draws a lab page into `app` from the registry entry of lab `name`: its
 * title as the heading, `intro` (the view's own words, HTML written in the
 * view, never from a link) as the summary, the registry's presets, an error
 * banner, the view's `body`, the "Over seeds" panel of the lab's claims
 * (ui/scoreboard.js) and the "Live metrics" list of the registry's metrics
 * (ui/metrics.js). Returns the page (see `LabPage`).
 */
export function labPage(app, core, name, { intro, body }) {
  const lab = core.labs().find((l) => l.name === name);
  const root = document.createElement('section');
  root.className = `lab ${name}`;
  root.dataset.lab = name;
  root.innerHTML = `
    <h1></h1>
    <p class="summary">${intro}</p>
    <p class="presets">Presets: </p>
    <div id="${name}-banner" class="banner error" role="alert" hidden></div>
${body}
    <div class="panel over-seeds">
      <h2>Over seeds</h2>
      <p class="hint">This lab's paper claims, each a number over seeds with a control on which it must not hold. Until you
        run them here, the numbers are those recorded by <code>make claims</code>; the page gives the same numbers as
        <code>continuum claims</code> for the same seeds. All labs: <a href="#lab=claims">the claims scoreboard</a>.</p>
    </div>
    <div class="panel live-metrics">
      <h2>Live metrics</h2>
      <p class="hint">The names lessons and the claims scoreboard read (<code>continuum.metric(name)</code>): the
        report's fields as <code>continuum run</code> prints them, filled in as the run goes.</p>
      <dl class="metrics live"></dl>
    </div>`;
  root.querySelector('h1').textContent = lab.title;
  app.replaceChildren(root);
  showPresets(root.querySelector('.presets'), lab.presets);
  mountMetrics(root, root.querySelector('dl.live'), lab.metrics);
  const seeds = claimsPanel(core, core.claims().filter((c) => c.lab === name), { labFilter: false });
  root.querySelector('.over-seeds').append(seeds.el);
  const maps = mapsPanel(name);
  if (maps) root.querySelector('.over-seeds').after(maps);
  return new LabPage(root, lab, seeds);
}

/** A lab page: its root, the shown numbers, the banner, and its run's life. */
class LabPage {
  constructor(root, lab, seeds) {
    this.root = root;
    this.lab = lab;
    /** The "Over seeds" panel (`claimsPanel`). */
    this.seeds = seeds;
    this.banner = root.querySelector(`#${lab.name}-banner`);
  }

  /** The element showing `name` (`[data-metric=name]`). */
  metric(name) {
    return this.root.querySelector(`[data-metric="${name}"]`);
  }

  /** Shows `text` for `name`, and `value` (for tests and lessons) in its data-value. */
  show(name, text, value) {
    const el = this.metric(name);
    el.textContent = text;
    if (value !== undefined) el.dataset.value = typeof value === 'string' ? value : JSON.stringify(value);
  }

  /** Resets the named numbers to "—". */
  clear(names) {
    for (const name of names) {
      this.metric(name).textContent = '—';
      delete this.metric(name).dataset.value;
    }
  }

  /** Shows a message in the banner (`null` hides it). */
  say(message) {
    this.banner.textContent = message ?? '';
    this.banner.hidden = message === null;
  }

  /** Shows a driver's `Progress` ({done, total, label, finished}) in the page's bar and its `progress` number. */
  progress(st) {
    const bar = this.root.querySelector('progress.sweep');
    bar.max = st.total;
    bar.value = st.done;
    this.show('progress', st.label, st.finished ? 'done' : String(st.done));
  }

  /**
   * The GPU device of kind `Kind` (e.g. `core.TransferGpu`), or null after
   * showing the CPU-only message in `name`: the same words on every lab.
   */
  gpu(Kind, name) {
    const device = labGpu(Kind);
    if (!device && name) this.show(name, NO_WEBGPU);
    return device;
  }

  /**
   * Runs the lab: `worker`'s errors go to the banner, every other message
   * to `onMessage`; the run buttons and the view's `actions` are wired;
   * `start` (which posts the worker its start) runs now and on Reset, after
   * the live metrics and the banner are cleared. Returns the view's
   * `{update, destroy}`. A new link (from `config`, the link's first) shows
   * its values in `controls`, tells `onConfig(next, retrain)`, and starts
   * again, or, when it changes only knobs that re-evaluate (`knobs`' table)
   * and the view can `reevaluate(next)`, calls that instead. Destroy ends
   * the worker, then calls `destroy`.
   */
  run({ worker, start, onMessage, config, knobs = [], actions = {}, controls = [], onConfig, reevaluate, destroy }) {
    const restart = () => {
      clearMetrics();
      this.say(null);
      start();
      refreshMetrics();
    };
    worker.onmessage = async ({ data: m }) => {
      // Named in the performance timeline, so a long task can be traced to its message.
      performance.mark(`${this.lab.name}:${m.type}`);
      if (m.type === 'error') this.say(`The ${this.lab.title} lab stopped: ${m.message}`);
      await onMessage(m);
    };
    handleActions(this.root, worker, { reset: restart, ...actions });
    restart();
    let current = config;
    return {
      update: (next) => {
        const retrain = !reevaluate || retrains(knobs, next.config, current);
        current = next.config;
        for (const box of controls) showValues(box, next.config);
        onConfig?.(next.config, retrain);
        if (retrain) restart();
        else reevaluate(next.config);
      },
      destroy: () => {
        destroy?.();
        this.seeds.halt();
        worker.terminate();
      },
    };
  }
}

/** The settings panel most labs open with: the run buttons and the knobs' controls (`.controls`). */
export function settingsPanel(title = 'Settings') {
  return `
      <div class="panel">
        <h2>${title}</h2>
${RUN_BUTTONS}
        <div class="controls"></div>
      </div>`;
}

/** What a lab page says where the GPU would have answered. */
export const NO_WEBGPU = 'no WebGPU: CPU only';

/** Play / pause / step / reset / copy / handout: wired by `handleActions`. */
export const RUN_BUTTONS = `
        <div class="buttons">
          <button type="button" data-action="play">Play</button>
          <button type="button" data-action="pause">Pause</button>
          <button type="button" data-action="step">Step</button>
          <button type="button" data-action="reset">Reset</button>
          <button type="button" data-action="copy">Copy link</button>
          <button type="button" data-action="handout">Handout</button>
        </div>`;

/**
 * Wires the clicks on a lab page's buttons by `data-action`, the same way on
 * every lab: `copy` copies the link; `play`, `pause` and `step` run the
 * view's handler, if it has one, then go to the worker's loop; `handout`
 * opens the print view of the page (ui/handout.js); any other
 * action (`reset`, downloads, the lab's own) calls `handlers[action](button)`.
 */
export function handleActions(root, worker, handlers) {
  root.addEventListener('click', (event) => {
    const button = event.target.closest('button');
    const action = button?.dataset.action;
    if (!action) return;
    if (action === 'copy') navigator.clipboard?.writeText(location.href).catch(() => {});
    else if (action === 'handout') openHandout(root);
    else if (['play', 'pause', 'step'].includes(action)) {
      handlers[action]?.(button);
      worker.postMessage({ type: action });
    } else handlers[action]?.(button);
  });
}

/** Fills `container` with links to `presets`, the registry's [{name, link}, …]. */
export function showPresets(container, presets) {
  for (const { name, link: href } of presets) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = name;
    container.append(a, ' ');
  }
}

/**
 * Sets `key` to `text` in the hash: the core edits and validates the link
 * (`withKnob`; a bad value keeps the old one, with a notice) and the router
 * takes the parsed link as it is rather than reading it again.
 */
export function hashSetter(core) {
  return (key, text) => {
    const report = core.withKnob(location.hash, key, String(text));
    expectLink(report);
    location.hash = report.link;
  };
}

/** The knobs the page shows for a link of `study` (or panel): the main ones and that group's (Rust `Knob::shown`). */
export function shownKnobs(knobs, study) {
  return knobs.filter((k) => k.group === '' || k.group === study);
}

/** Whether going from config `before` to `after` changes a knob that retrains (any not marked `reevaluates`). */
export function retrains(knobs, after, before) {
  return knobs.some((k) => !k.reevaluates && JSON.stringify(after[k.key]) !== JSON.stringify(before[k.key]));
}

/** Saves `data` (a string or a Blob) as a file called `name`. */
export function download(name, data, type = 'text/csv') {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(data instanceof Blob ? data : new Blob([data], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
