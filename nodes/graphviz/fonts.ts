// The sans font for PNG text. resvg is given font files and loads no system fonts (fast, and the
// same everywhere), so the text is drawn in this font or the PNG is refused — never a silent serif
// fallback. Liberation Sans comes first: its widths match Helvetica/Arial, which is what Graphviz
// sizes its labels with, so text fits its boxes.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FontSet } from './render-types';

/** Regular and bold faces, in order of preference (Debian/Ubuntu, Fedora/RHEL, Alpine, Arch). */
const KNOWN_FONTS: { regular: string; bold: string }[] = [
  ...['/usr/share/fonts/truetype/liberation2', '/usr/share/fonts/truetype/liberation', '/usr/share/fonts/liberation-sans', '/usr/share/fonts/liberation', '/usr/share/fonts/TTF']
    .map((dir) => ({ regular: join(dir, 'LiberationSans-Regular.ttf'), bold: join(dir, 'LiberationSans-Bold.ttf') })),
  ...['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu-sans-fonts', '/usr/share/fonts/dejavu', '/usr/share/fonts/TTF']
    .map((dir) => ({ regular: join(dir, 'DejaVuSans.ttf'), bold: join(dir, 'DejaVuSans-Bold.ttf') })),
];

/**
 * The family name (name ID 1) of a TrueType/OpenType font file, read from its `name` table
 * (https://learn.microsoft.com/typography/opentype/spec/name): Windows (UTF-16BE) records first.
 */
function fontFamily(font: Buffer): string | undefined {
  if (font.length < 12) return undefined;
  const tables = font.readUInt16BE(4);
  for (let i = 0; i < tables; i++) {
    const entry = 12 + i * 16;
    if (entry + 16 > font.length) return undefined;
    if (font.toString('latin1', entry, entry + 4) !== 'name') continue;
    const table = font.readUInt32BE(entry + 8);
    const count = font.readUInt16BE(table + 2);
    const strings = table + font.readUInt16BE(table + 4);
    let mac: string | undefined;
    for (let r = 0; r < count; r++) {
      const record = table + 6 + r * 12;
      const [platform, , , nameId, length, offset] = [0, 2, 4, 6, 8, 10].map((o) => font.readUInt16BE(record + o));
      if (nameId !== 1) continue;
      const bytes = font.subarray(strings + offset, strings + offset + length);
      if (platform === 3 || platform === 0) return Buffer.from(bytes).swap16().toString('utf16le');
      mac ??= bytes.toString('latin1');
    }
    return mac;
  }
  return undefined;
}

/** The configured font file (plus its bold face beside it, when there is one), else the first known one installed. */
export function findSansFont(configured?: string): FontSet | undefined {
  const candidates = configured
    ? [{ regular: configured, bold: join(dirname(configured), configured.replace(/.*\//, '').replace(/(-Regular)?\.(ttf|otf)$/i, '-Bold.$2')) }]
    : KNOWN_FONTS;
  for (const { regular, bold } of candidates) {
    if (!existsSync(regular)) continue;
    const family = fontFamily(readFileSync(regular));
    if (!family) continue;
    return { family, files: existsSync(bold) && bold !== regular ? [regular, bold] : [regular] };
  }
  return undefined;
}
