// Draws media/icon.png (128x128): a fork tree whose last leaf is a red zombie.
// Kept as a script so the icon can be redrawn; the PNG is committed.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const W = 128,
  H = 128;
const px = new Uint8Array(W * H * 4);
const put = (x, y, [r, g, b, a]) => {
  if (x < 0 || y < 0 || x >= W || y >= H) return;
  const i = (y * W + x) * 4;
  const alpha = a / 255,
    inv = 1 - alpha;
  px[i] = r * alpha + px[i] * inv;
  px[i + 1] = g * alpha + px[i + 1] * inv;
  px[i + 2] = b * alpha + px[i + 2] * inv;
  px[i + 3] = Math.min(255, a + px[i + 3] * inv);
};
const disc = (cx, cy, rad, color) => {
  for (let y = Math.floor(cy - rad - 1); y <= cy + rad + 1; y++)
    for (let x = Math.floor(cx - rad - 1); x <= cx + rad + 1; x++) {
      const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
      const cover = Math.max(0, Math.min(1, rad - d + 0.5));
      if (cover > 0) put(x, y, [color[0], color[1], color[2], Math.round(255 * cover)]);
    }
};
const line = (x0, y0, x1, y1, w, color) => {
  const steps = Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2);
  for (let s = 0; s <= steps; s++) disc(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps, w / 2, color);
};
// background: rounded square
for (let y = 0; y < H; y++)
  for (let x = 0; x < W; x++) {
    const r = 22,
      dx = Math.max(r - x, x - (W - 1 - r), 0),
      dy = Math.max(r - y, y - (H - 1 - r), 0);
    if (Math.hypot(dx, dy) <= r) put(x, y, [30, 34, 42, 255]);
  }
const green = [80, 200, 120],
  blue = [90, 160, 255],
  red = [240, 70, 70],
  grey = [170, 178, 190];
line(64, 30, 34, 70, 6, grey);
line(64, 30, 94, 70, 6, grey);
line(34, 70, 34, 102, 6, grey);
line(94, 70, 94, 102, 6, grey);
disc(64, 28, 14, green);
disc(34, 70, 11, blue);
disc(94, 70, 11, blue);
disc(34, 102, 10, blue);
disc(94, 102, 12, red);
disc(90, 99, 2.2, [30, 34, 42]);
disc(98, 99, 2.2, [30, 34, 42]);

const raw = Buffer.alloc((W * 4 + 1) * H);
for (let y = 0; y < H; y++) {
  raw[y * (W * 4 + 1)] = 0;
  Buffer.from(px.buffer, y * W * 4, W * 4).copy(raw, y * (W * 4 + 1) + 1);
}
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(W, 0);
ihdr.writeUInt32BE(H, 4);
ihdr[8] = 8;
ihdr[9] = 6;
writeFileSync(
  new URL('../media/icon.png', import.meta.url),
  Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]),
);
