// Controls generated from a lab's knob table (exported by Rust): one labelled
// input per knob, keyboard-usable, carrying `data-knob`. Changing one calls
// `onChange(key, text)`; the caller writes the hash and Rust validates it.
// Small integer ranges are sliders with the value beside them; numbers with a
// wide range are a slider (logarithmic for `log` knobs and integer ranges of two decades or more) for coarse moves plus
// a number box for exact values; seeds are a number box alone.

export function buildControls(container, knobs, config, onChange, formats = {}) {
  container.replaceChildren();
  for (const knob of knobs) {
    const id = `knob-${knob.key}`;
    const row = document.createElement('div');
    row.className = 'control';
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = knob.label;
    label.title = knob.help;
    const input = makeInput(knob);
    input.id = id;
    input.dataset.knob = knob.key;
    input.title = knob.help;
    setValue(input, config[knob.key]);
    input.addEventListener('change', () => onChange(knob.key, input.value));
    row.append(label, input);
    if (hasSlider(knob)) {
      const slider = document.createElement('input');
      Object.assign(slider, { type: 'range', min: 0, max: SLIDER_STEPS, step: 1 });
      slider.dataset.slider = knob.key;
      slider.setAttribute('aria-label', `${knob.label} (slider)`);
      slider.title = knob.help;
      slider.value = String(toSlider(knob, Number(input.value)));
      slider.addEventListener('input', () => (input.value = String(fromSlider(knob, Number(slider.value)))));
      slider.addEventListener('change', () => onChange(knob.key, input.value));
      input.addEventListener('input', () => (slider.value = String(toSlider(knob, Number(input.value)))));
      slider.knob = knob;
      row.insertBefore(slider, input);
    }
    if (knob.type === 'int' && knob.max - knob.min <= 128) {
      const out = document.createElement('output');
      out.htmlFor = id;
      const format = formats[knob.key] ?? String;
      out.textContent = format(input.value);
      out.dataset.format = knob.key;
      input.addEventListener('input', () => (out.textContent = format(input.value)));
      out.format = format;
      row.append(out);
    }
    container.append(row);
  }
}

/** Shows `config` in existing controls without firing change events. */
export function showValues(container, config) {
  for (const input of container.querySelectorAll('[data-knob]')) {
    setValue(input, config[input.dataset.knob]);
    const slider = input.parentElement.querySelector('[data-slider]');
    if (slider) slider.value = String(toSlider(slider.knob, Number(input.value)));
    const out = input.parentElement.querySelector('output');
    if (out) out.textContent = (out.format ?? String)(input.value);
  }
}

function makeInput(knob) {
  if (knob.type === 'choice') {
    const select = document.createElement('select');
    for (const c of knob.choices) select.append(new Option(c, c));
    return select;
  }
  const input = document.createElement('input');
  if (knob.type === 'int' && knob.max - knob.min <= 128) {
    Object.assign(input, { type: 'range', min: knob.min, max: knob.max, step: 1 });
  } else if (knob.type === 'int' || knob.type === 'float') {
    Object.assign(input, { type: 'number', min: knob.min, max: knob.max, step: 'any' });
  } else {
    Object.assign(input, { type: 'text', placeholder: 'e.g. 50,100' });
  }
  return input;
}

function setValue(input, value) {
  input.value = Array.isArray(value) ? value.join(',') : String(value);
}

const SLIDER_STEPS = 1000;

function hasSlider(knob) {
  return (knob.type === 'float' || (knob.type === 'int' && knob.max - knob.min > 128)) && knob.max - knob.min <= 1e6;
}

/**
 * Whether the slider is logarithmic: number knobs marked `log` in the knob
 * table, and integer knobs whose range spans two decades or more (l, m,
 * paths, epochs …), where a linear slider leaves the small values a few
 * pixels.
 */
function logarithmic(knob) {
  return knob.log || (knob.type === 'int' && knob.min > 0 && knob.max / knob.min >= 100);
}

/** Slider position (0…SLIDER_STEPS) of `value`: linear, or logarithmic (see `logarithmic`). */
function toSlider(knob, value) {
  const f = logarithmic(knob)
    ? (Math.log(Math.max(value, knob.min)) - Math.log(knob.min)) / (Math.log(knob.max) - Math.log(knob.min))
    : (value - knob.min) / (knob.max - knob.min);
  return Math.round(Math.min(1, Math.max(0, f)) * SLIDER_STEPS);
}

/** The value at slider position `pos`, rounded to 3 significant digits (integers for int knobs). */
function fromSlider(knob, pos) {
  const f = pos / SLIDER_STEPS;
  const v = logarithmic(knob) ? Math.exp(Math.log(knob.min) + f * (Math.log(knob.max) - Math.log(knob.min))) : knob.min + f * (knob.max - knob.min);
  if (knob.type === 'int') return Math.round(v);
  return v === 0 ? 0 : Number(v.toPrecision(3));
}
