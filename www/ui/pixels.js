// Small images drawn into a box of a canvas, pixels kept sharp: `levels` are
// 0 … 255, row-major, one plane per channel (channels 1: grey; 3: red, green
// and blue planes one after another).

export function drawPixels(ctx, levels, side, x, y, w, h, channels = 1) {
  const image = new ImageData(side, side);
  const plane = side * side;
  for (let i = 0; i < plane; i++) {
    const [r, g, b] = channels === 3 ? [levels[i], levels[plane + i], levels[2 * plane + i]] : [levels[i], levels[i], levels[i]];
    image.data.set([r, g, b, 255], i * 4);
  }
  const tmp = new OffscreenCanvas(side, side);
  tmp.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, x, y, w, h);
}
