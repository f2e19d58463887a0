import { crc32, deflateSync } from 'node:zlib';
import type { ServerResponse } from 'node:http';

/**
 * The gateway's icon, drawn here rather than shipped as a binary: a 32×32
 * rounded square with a pixel "S", encoded as a PNG inside an ICO (which
 * every browser reads), so `/favicon.ico` needs no file and no CDN.
 */
const SIZE = 32;
const GLYPH = ['.###.', '#...#', '#....', '.###.', '....#', '#...#', '.###.'];
const GLYPH_WIDTH = 5;
const SCALE = 4;
const BACKGROUND = [0x0f, 0x76, 0x6e] as const;

function pixels(): Buffer {
  const rgba = Buffer.alloc(SIZE * SIZE * 4);
  const radius = 6;
  const left = (SIZE - GLYPH_WIDTH * SCALE) / 2;
  const top = (SIZE - GLYPH.length * SCALE) / 2;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      // Distance outside the square shrunk by the radius: over the radius is a cut corner.
      const dx = Math.max(radius - x - 0.5, x + 0.5 - (SIZE - radius), 0);
      const dy = Math.max(radius - y - 0.5, y + 0.5 - (SIZE - radius), 0);
      if (Math.hypot(dx, dy) > radius) continue;
      const row = GLYPH[Math.floor((y - top) / SCALE)];
      const ink = row?.[Math.floor((x - left) / SCALE)] === '#' && x >= left && y >= top;
      const [r, g, b] = ink ? [0xff, 0xff, 0xff] : BACKGROUND;
      rgba.set([r, g, b, 0xff], (y * SIZE + x) * 4);
    }
  }
  return rgba;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(rgba: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const rows = Buffer.alloc(SIZE * (SIZE * 4 + 1));
  for (let y = 0; y < SIZE; y++) rgba.copy(rows, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function ico(image: Buffer): Buffer {
  const head = Buffer.alloc(22);
  head.writeUInt16LE(1, 2); // type: icon
  head.writeUInt16LE(1, 4); // one image
  head.set([SIZE, SIZE, 0, 0], 6);
  head.writeUInt16LE(1, 10); // planes
  head.writeUInt16LE(32, 12); // bits per pixel
  head.writeUInt32LE(image.length, 14);
  head.writeUInt32LE(22, 18); // the image follows this header
  return Buffer.concat([head, image]);
}

let icon: Buffer | undefined;

/** The ICO bytes, built on first use. */
export function faviconIco(): Buffer {
  icon ??= ico(png(pixels()));
  return icon;
}

export function serveFavicon(res: ServerResponse): void {
  const body = faviconIco();
  res.writeHead(200, {
    'content-type': 'image/x-icon',
    'content-length': body.length,
    'cache-control': 'public, max-age=86400',
  });
  res.end(body);
}
