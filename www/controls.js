// Controls generated from a lab's knob table (exported by Rust): one labelled
// input per knob, keyboard-usable, carrying `data-knob`. Changing one calls
// `onChange(key, text)`; the caller writes the hash and Rust validates it.

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
