// The handout: a one-page, print-ready view of a lab as it stands — its
// title, the link as text and as a QR code (so a printed sheet leads back to
// the same experiment), every figure drawn so far, and the numbers beside
// them. "Print" hands it to the browser's print dialog (print, or save as
// PDF); the print style sheet shows the handout alone.

import qrcode from 'qrcode-generator';

/** A QR code of `text` as an SVG element (error correction M, byte mode). */
export function qrSvg(text) {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const box = document.createElement('div');
  box.innerHTML = qr.createSvgTag({ cellSize: 3, margin: 2, scalable: true });
  const svg = box.firstElementChild;
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `QR code of ${text}`);
  svg.dataset.modules = String(qr.getModuleCount());
  return svg;
}

/** Opens the handout of the lab page `root` (a section.lab). */
export function openHandout(root) {
  closeHandout();
  const sheet = document.createElement('div');
  sheet.className = 'handout';
  sheet.setAttribute('role', 'dialog');
  sheet.setAttribute('aria-label', 'Handout: print view of this lab');

  const head = document.createElement('header');
  const text = document.createElement('div');
  const h1 = document.createElement('h1');
  h1.textContent = root.querySelector('h1')?.textContent ?? 'Continuum';
  const link = document.createElement('p');
  link.className = 'handout-link';
  link.textContent = location.href;
  const when = document.createElement('p');
  when.className = 'hint';
  when.textContent = `Continuum, ${new Date().toISOString().slice(0, 10)}. Open the link (or scan the code) to run this experiment again with the same numbers.`;
  text.append(h1, link, when);
  head.append(text, qrSvg(location.href));

  const figures = document.createElement('div');
  figures.className = 'handout-figures';
  for (const canvas of root.querySelectorAll('canvas')) {
    if (!canvas.width || !canvas.height || !canvas.offsetParent || blank(canvas)) continue;
    const figure = document.createElement('figure');
    const img = document.createElement('img');
    img.src = canvas.toDataURL('image/png');
    img.alt = canvas.getAttribute('aria-label') ?? chartTitle(canvas) ?? 'figure';
    const caption = document.createElement('figcaption');
    caption.textContent = chartTitle(canvas) ?? canvas.closest('.panel')?.querySelector('h2')?.textContent ?? '';
    figure.append(img, caption);
    figures.append(figure);
  }

  const numbers = document.createElement('div');
  numbers.className = 'handout-numbers';
  for (const dl of root.querySelectorAll('dl.metrics')) numbers.append(dl.cloneNode(true));

  const buttons = document.createElement('div');
  buttons.className = 'buttons handout-buttons';
  const print = button('Print or save as PDF', () => window.print());
  const close = button('Close', closeHandout);
  buttons.append(print, close);

  sheet.append(buttons, head, figures, numbers);
  document.body.append(sheet);
  document.body.classList.add('handout-open');
  document.addEventListener('keydown', onEscape);
  print.focus();
  return sheet;
}

export function closeHandout() {
  document.querySelector('.handout')?.remove();
  document.body.classList.remove('handout-open');
  document.removeEventListener('keydown', onEscape);
}

function onEscape(event) {
  if (event.key === 'Escape') closeHandout();
}

function button(label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

/** The title of the uPlot chart a canvas belongs to, if it is one. */
function chartTitle(canvas) {
  return canvas.closest('.uplot')?.querySelector('.u-title')?.textContent ?? null;
}

/** Whether a 2D canvas has nothing drawn (a WebGPU canvas counts as drawn). */
function blank(canvas) {
  const ctx = canvas.getContext('2d');
  if (!ctx) return false;
  const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < d.length; i += 4) if (d[i]) return false;
  return true;
}
