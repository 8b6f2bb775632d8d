// Small grey images (a side × side array of levels 0 … 255, row-major) drawn
// into a box of a canvas, pixels kept sharp.

export function drawGrey(ctx, levels, side, x, y, w, h) {
  const image = new ImageData(side, side);
  levels.forEach((g, i) => image.data.set([g, g, g, 255], i * 4));
  const tmp = new OffscreenCanvas(side, side);
  tmp.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, x, y, w, h);
}
