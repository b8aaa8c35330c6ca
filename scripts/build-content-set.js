#!/usr/bin/env node
/**
 * Builds the labelled photo/graphic set the content detector (server/src/scorers/content.ts)
 * is tuned and measured on. No image is committed: this script makes them all, deterministically,
 * from Debian packages, the extracted Debian wallpapers, the clive-dev photos and pages and
 * charts it renders itself.
 *
 *   node scripts/build-content-set.js <work-dir> <out-dir> [--extract /work/data/extract]
 *        [--clive ../shared/datasets/clive-dev/images] [--only category,…]
 *
 * <work-dir>  where the .deb files are downloaded (apt-get download) and unpacked (dpkg-deb -x)
 * <out-dir>   receives <label>/<category>/<file> and manifest.csv
 *             (file,label,category,source,transform,half)
 *
 * Every image is assigned to the `tune` or `test` half by a hash of the *source* it was made
 * from, so variants of one photo (greyscale, recompressed, thumbnail) never straddle halves.
 * The committed scripts/content-set/manifest.csv is the manifest of the set the README's
 * figures were measured on.
 */
'use strict';

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');
const { seededRandom } = require('./quality-fit');

const ROOT = path.resolve(__dirname, '..');
const PACKAGES = [
  'adwaita-icon-theme',
  'breeze-icon-theme',
  'oxygen-icon-theme',
  'tango-icon-theme',
  'openclipart-svg',
  'gnuplot-doc',
  'graphviz-doc',
  'octave-doc',
  'inkscape-tutorials',
  'tuxpaint-data',
];

function parseArgs(argv) {
  const args = { positional: [], extract: '/work/data/extract', clive: path.resolve(ROOT, '..', 'shared/datasets/clive-dev/images'), only: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--extract') args.extract = argv[++i];
    else if (argv[i] === '--clive') args.clive = argv[++i];
    else if (argv[i] === '--only') args.only = new Set(argv[++i].split(','));
    else args.positional.push(argv[i]);
  }
  if (args.positional.length !== 2) {
    console.error('Usage: node scripts/build-content-set.js <work-dir> <out-dir> [--extract dir] [--clive dir] [--only categories]');
    process.exit(2);
  }
  [args.work, args.out] = args.positional.map((p) => path.resolve(p));
  return args;
}

/** mulberry32 (shared with the fitting scripts): the set is the same on every run. */
const prng = seededRandom;

function sample(list, n, seed) {
  const random = prng(seed);
  const copy = [...list].sort();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

const halfOf = (source) => (crypto.createHash('sha1').update(source).digest()[0] % 2 === 0 ? 'tune' : 'test');

function walk(dir, test) {
  const found = [];
  if (!fs.existsSync(dir)) return found;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...walk(full, test));
    else if (entry.isFile() && test(full)) found.push(full);
  }
  return found.sort();
}

function unpackPackages(work) {
  const debs = path.join(work, 'debs');
  const root = path.join(work, 'x');
  fs.mkdirSync(debs, { recursive: true });
  const have = fs.readdirSync(debs);
  const missing = PACKAGES.filter((name) => !have.some((file) => file.startsWith(`${name}_`)));
  if (missing.length > 0) execFileSync('apt-get', ['download', ...missing], { cwd: debs, stdio: 'inherit' });
  if (!fs.existsSync(path.join(root, '.unpacked'))) {
    fs.mkdirSync(root, { recursive: true });
    for (const file of fs.readdirSync(debs).filter((f) => f.endsWith('.deb'))) {
      execFileSync('dpkg-deb', ['-x', path.join(debs, file), root]);
    }
    fs.writeFileSync(path.join(root, '.unpacked'), '');
  }
  return root;
}

class SetWriter {
  constructor(out) {
    this.out = out;
    this.rows = [];
    this.names = new Set();
  }
  async add(label, category, source, transform, pipeline, ext, display = source) {
    const base = `${path.basename(display).replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60)}-${transform.replace(/[^a-z0-9]+/gi, '')}`;
    let name = `${base}.${ext}`;
    for (let n = 2; this.names.has(`${category}/${name}`); n++) name = `${base}-${n}.${ext}`;
    this.names.add(`${category}/${name}`);
    const file = path.join(label, category, name);
    const target = path.join(this.out, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    try {
      // Deterministic, so an image already there (an earlier run) is kept as it is.
      if (!fs.existsSync(target)) fs.writeFileSync(target, await pipeline());
    } catch (error) {
      console.error(`skipped ${source} (${transform}): ${error.message}`);
      return;
    }
    const relative = source.startsWith('/') ? source.replace(/^\/work\/data\//, '').replace(/^.*\/shared\//, 'shared/') : source;
    this.rows.push({ file, label, category, source: relative, transform, half: halfOf(relative) });
  }
  writeManifest() {
    const header = 'file,label,category,source,transform,half';
    const quote = (v) => (/[",\n]/.test(v) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const lines = this.rows
      .sort((a, b) => a.file.localeCompare(b.file))
      .map((r) => [r.file, r.label, r.category, r.source, r.transform, r.half].map(quote).join(','));
    fs.writeFileSync(path.join(this.out, 'manifest.csv'), `${header}\n${lines.join('\n')}\n`);
  }
}

const sizes = { limitInputPixels: 300_000_000 };
const open = (source, options = {}) => sharp(source, { ...sizes, ...options });

// ---------------------------------------------------------------- photos

async function photos(set, args) {
  const clive = walk(args.clive, (f) => /\.(jpe?g|webp|png)$/i.test(f));
  const extOf = (file) => path.extname(file).slice(1).toLowerCase();
  for (const file of clive) await set.add('photo', 'clive', file, 'as-is', () => fs.promises.readFile(file), extOf(file));

  const wallpapers = fs
    .readFileSync(path.join(__dirname, 'content-set', 'wallpapers.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));
  // Each wallpaper at three sizes (the detector sees a ≤ 512 px copy: the more it was shrunk,
  // the less noise a photo keeps), as JPEG or PNG.
  for (const [relative, label] of wallpapers) {
    const file = path.join(args.extract, 'usr/share', relative);
    if (!fs.existsSync(file)) continue;
    const random = prng(crypto.createHash('sha1').update(relative).digest().readUInt32LE(0));
    const name = relative.replace(/\/contents\/images\//, '-').replace(/^(backgrounds|wallpapers)\//, '');
    for (const side of [800 + Math.floor(random() * 400), 1600 + Math.floor(random() * 400), 3000]) {
      const png = random() < 0.3;
      await set.add(label, label === 'photo' ? 'wallpaper' : 'wallpaper-render', file, `${side}px ${png ? 'png' : 'jpeg q85'}`, () => {
        const resized = open(file).resize(side, side, { fit: 'inside', withoutEnlargement: true });
        return png ? resized.png().toBuffer() : resized.jpeg({ quality: 85 }).toBuffer();
      }, png ? 'png' : 'jpg', name);
    }
  }

  // Hard cases, made from clive-dev photos (each stays in its source's half).
  for (const file of sample(clive, 80, 11)) {
    await set.add('photo', 'black-and-white', file, 'greyscale', () => open(file).greyscale().jpeg({ quality: 90 }).toBuffer(), 'jpg');
  }
  for (const [i, file] of sample(clive, 80, 12).entries()) {
    const quality = 5 + (i % 4) * 5;
    await set.add('photo', 'heavily-compressed', file, `jpeg q${quality}`, () => open(file).jpeg({ quality }).toBuffer(), 'jpg');
  }
  for (const [i, file] of sample(clive, 80, 13).entries()) {
    const side = [48, 64, 96, 128, 160][i % 5];
    await set.add('photo', 'thumbnail', file, `${side}px`, () => open(file).resize(side, side, { fit: 'inside' }).jpeg({ quality: 80 }).toBuffer(), 'jpg');
  }
  for (const [i, file] of sample(clive, 60, 14).entries()) {
    const webp = i % 2 === 1;
    await set.add('photo', 'lossless', file, webp ? 'webp q90' : 'png', () => (webp ? open(file).webp({ quality: 90 }).toBuffer() : open(file).png().toBuffer()), webp ? 'webp' : 'png');
  }
  // Blurred photos (out of focus, motion, or blurred in software), some also dark: the photos a
  // quality threshold exists to refuse, so they must stay photos however smooth they get.
  for (const [i, file] of sample(clive, 90, 15).entries()) {
    const sigma = [1.5, 3, 6, 10][i % 4];
    const dark = i % 3 === 0;
    await set.add('photo', 'blurred', file, `blur σ${sigma}${dark ? ', darkened' : ''}`, () => {
      const blurred = open(file).blur(sigma);
      return (dark ? blurred.linear(0.3, 0) : blurred).jpeg({ quality: 90 }).toBuffer();
    }, 'jpg');
  }
  for (const [i, file] of sample(clive, 60, 17).entries()) {
    const sigma = [4, 5, 7][i % 3];
    await set.add('photo', 'blurred', file, `blur σ${sigma}`, () => open(file).blur(sigma).jpeg({ quality: 90 }).toBuffer(), 'jpg');
  }
  for (const [i, file] of sample(clive, 60, 16).entries()) {
    const sigma = [8, 12, 16][i % 3];
    const gain = [0.25, 0.4][i % 2];
    await set.add('photo', 'blurred', file, `blur σ${sigma}, darkened ×${gain}`, () => open(file).blur(sigma).linear(gain, 0).jpeg({ quality: 90 }).toBuffer(), 'jpg');
  }
  for (const [relative, label] of wallpapers.filter(([, label]) => label === 'photo')) {
    const file = path.join(args.extract, 'usr/share', relative);
    if (!fs.existsSync(file)) continue;
    const name = relative.replace(/\/contents\/images\//, '-').replace(/^(backgrounds|wallpapers)\//, '');
    for (const sigma of [4, 8, 12]) {
      await set.add('photo', 'blurred', file, `blur σ${sigma} at 1600 px`, () => open(file).resize(1600, 1600, { fit: 'inside' }).blur(sigma).jpeg({ quality: 90 }).toBuffer(), 'jpg', name);
    }
  }

  // Photos with large smooth areas (sky, studio backdrop, fog): the clive photos with the
  // least gradient energy, plus the same photos brightened until their sky clips.
  const smoothness = [];
  for (const file of clive) {
    const { data, info } = await open(file).resize(128, 128, { fit: 'inside' }).greyscale().raw().toBuffer({ resolveWithObject: true });
    let energy = 0;
    for (let y = 0; y < info.height; y++) for (let x = 1; x < info.width; x++) energy += Math.abs(data[y * info.width + x] - data[y * info.width + x - 1]);
    smoothness.push({ file, energy: energy / (info.width * info.height) });
  }
  smoothness.sort((a, b) => a.energy - b.energy || a.file.localeCompare(b.file));
  for (const { file } of smoothness.slice(0, 60)) {
    await set.add('photo', 'smooth', file, 'as-is', () => fs.promises.readFile(file), extOf(file));
  }
  for (const { file } of smoothness.slice(0, 30)) {
    await set.add('photo', 'smooth', file, 'brightened (clipped sky)', () => open(file).linear(1.5, 40).jpeg({ quality: 90 }).toBuffer(), 'jpg');
  }
}

// ---------------------------------------------------------------- graphics from packages

async function packageGraphics(set, root) {
  const icons = walk(path.join(root, 'usr/share/icons'), (f) => /\.png$/i.test(f));
  for (const file of sample(icons, 300, 21)) {
    await set.add('graphic', 'icon', file, 'as-is', () => fs.promises.readFile(file), 'png');
  }
  const svgIcons = walk(path.join(root, 'usr/share/icons'), (f) => /\.svg$/i.test(f) && !/symbolic/.test(f));
  for (const [i, file] of sample(svgIcons, 80, 22).entries()) {
    const side = [32, 64, 128, 256, 512][i % 5];
    await set.add('graphic', 'icon', file, `svg ${side}px`, () => open(file, { density: 300 }).resize(side, side, { fit: 'inside' }).png().toBuffer(), 'png');
  }
  const clipart = walk(path.join(root, 'usr/share'), (f) => /openclipart/.test(f) && /\.svg$/i.test(f));
  for (const [i, file] of sample(clipart, 450, 23).entries()) {
    const side = 300 + ((i * 137) % 900);
    const mode = ['transparent png', 'png on white', 'jpeg q80 on white'][i % 3];
    await set.add('graphic', 'clipart', file, `${side}px ${mode}`, () => {
      const rendered = open(file, { density: 150 }).resize(side, side, { fit: 'inside' });
      if (i % 3 === 0) return rendered.png().toBuffer();
      const flat = rendered.flatten({ background: '#ffffff' });
      return i % 3 === 1 ? flat.png().toBuffer() : flat.jpeg({ quality: 80 }).toBuffer();
    }, i % 3 === 2 ? 'jpg' : 'png');
  }
  const docs = path.join(root, 'usr/share/doc');
  const plots = walk(path.join(docs, 'octave'), (f) => /\.png$/i.test(f)).concat(walk(path.join(docs, 'gnuplot'), (f) => /\.(png|gif)$/i.test(f)));
  for (const file of plots) await set.add('graphic', 'chart', file, 'as-is', () => open(file).png().toBuffer(), 'png');
  const diagrams = walk(path.join(docs, 'graphviz'), (f) => /\.(png|gif)$/i.test(f));
  for (const file of sample(diagrams, 80, 24)) await set.add('graphic', 'diagram', file, 'as-is', () => open(file).png().toBuffer(), 'png');
  const shots = walk(path.join(docs, 'tuxpaint-data'), (f) => /\/html\/images\//.test(f) && /\.(png|jpe?g)$/i.test(f) && !/\/(ja_JP|gl_ES|es_ES|fr_FR)/.test(f));
  for (const file of shots) await set.add('graphic', 'screenshot', file, 'as-is (tuxpaint docs)', () => fs.promises.readFile(file), /\.png$/i.test(file) ? 'png' : 'jpg');
  // oldguitar is a photograph of a painting: not a graphic, left out.
  const tutorials = walk(path.join(root, 'usr/share/inkscape/tutorials'), (f) => /\.(png|jpe?g)$/i.test(f) && !/oldguitar/.test(f));
  for (const file of tutorials) await set.add('graphic', 'illustration', file, 'as-is (inkscape tutorials)', () => open(file).png().toBuffer(), 'png');
  const tuxUi = walk(path.join(root, 'usr/share/tuxpaint/images'), (f) => /\.png$/i.test(f));
  for (const file of sample(tuxUi, 60, 25)) await set.add('graphic', 'icon', file, 'as-is (tuxpaint ui)', () => fs.promises.readFile(file), 'png');
}

// ---------------------------------------------------------------- graphics drawn here

const PALETTES = [
  ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948'],
  ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02'],
  ['#264653', '#2a9d8f', '#e9c46a', '#f4a261', '#e76f51', '#8ab17d'],
  ['#003f5c', '#58508d', '#bc5090', '#ff6361', '#ffa600', '#7a5195'],
];

function chartSvg(kind, seed) {
  const random = prng(seed);
  const w = 480 + Math.floor(random() * 800);
  const h = Math.round(w * (0.5 + random() * 0.3));
  const colours = PALETTES[seed % PALETTES.length];
  const dark = random() < 0.2;
  const bg = dark ? '#1e1e24' : random() < 0.7 ? '#ffffff' : '#f5f5f0';
  const ink = dark ? '#ddd' : '#333';
  const parts = [`<rect width="100%" height="100%" fill="${bg}"/>`];
  const left = 60, top = 40, right = w - 30, bottom = h - 50;
  parts.push(`<text x="${w / 2}" y="26" text-anchor="middle" font-family="sans-serif" font-size="18" fill="${ink}">Figure ${seed % 97}: ${kind} of sample values</text>`);
  for (let g = 0; g <= 5; g++) {
    const y = bottom - ((bottom - top) * g) / 5;
    parts.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="${dark ? '#444' : '#ddd'}" stroke-width="1"/>`);
    parts.push(`<text x="${left - 8}" y="${y + 4}" text-anchor="end" font-family="sans-serif" font-size="12" fill="${ink}">${g * 20}</text>`);
  }
  parts.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="${ink}" stroke-width="1.5"/>`);
  const n = 5 + Math.floor(random() * 12);
  if (kind === 'bar') {
    const bw = (right - left) / n;
    for (let i = 0; i < n; i++) {
      const v = (0.1 + random() * 0.9) * (bottom - top);
      parts.push(`<rect x="${left + i * bw + bw * 0.15}" y="${bottom - v}" width="${bw * 0.7}" height="${v}" fill="${colours[i % (random() < 0.5 ? 1 : colours.length)]}"/>`);
    }
  } else if (kind === 'line' || kind === 'area') {
    for (let s = 0; s < 1 + Math.floor(random() * 3); s++) {
      let v = random();
      const points = [];
      for (let i = 0; i <= n * 3; i++) {
        v = Math.min(1, Math.max(0, v + (random() - 0.5) * 0.2));
        points.push(`${left + ((right - left) * i) / (n * 3)},${bottom - v * (bottom - top)}`);
      }
      if (kind === 'area') parts.push(`<polygon points="${left},${bottom} ${points.join(' ')} ${right},${bottom}" fill="${colours[s]}" fill-opacity="0.5"/>`);
      parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${colours[s]}" stroke-width="2.5"/>`);
    }
  } else if (kind === 'scatter') {
    for (let i = 0; i < 40 + n * 10; i++) {
      const x = left + random() * (right - left);
      const y = bottom - (0.2 * random() + 0.6 * ((x - left) / (right - left))) * (bottom - top);
      parts.push(`<circle cx="${x}" cy="${y}" r="4" fill="${colours[i % 3]}"/>`);
    }
  } else {
    const cx = w / 2, cy = (top + bottom) / 2, r = Math.min(w, h) * 0.33;
    let angle = 0;
    for (let i = 0; i < 6; i++) {
      const part = i === 5 ? 2 * Math.PI - angle : random() * (2 * Math.PI - angle) * 0.5;
      const a2 = angle + part;
      const large = part > Math.PI ? 1 : 0;
      parts.push(`<path d="M${cx},${cy} L${cx + r * Math.cos(angle)},${cy + r * Math.sin(angle)} A${r},${r} 0 ${large} 1 ${cx + r * Math.cos(a2)},${cy + r * Math.sin(a2)} Z" fill="${colours[i]}" stroke="${bg}" stroke-width="2"/>`);
      angle = a2;
    }
  }
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${parts.join('')}</svg>`);
}

const WORDS = 'the quality of every image uploaded to the media library is scored with an offline model and stored with the file so that editors can sort filter and review what needs attention before it is published on the site while logos icons and screenshots are recognised'.split(' ');

function textSvg(seed, { width = 850, height = 1100 } = {}) {
  const random = prng(seed);
  const size = 11 + Math.floor(random() * 10);
  const font = ['serif', 'sans-serif', 'monospace'][seed % 3];
  const lines = [];
  let y = 60 + size * 2;
  lines.push(`<text x="60" y="${60 + size}" font-family="${font}" font-size="${size * 1.8}" font-weight="bold">Chapter ${seed % 20}: ${WORDS[seed % WORDS.length]}</text>`);
  while (y < height - 60) {
    const words = [];
    for (let k = 0; k < Math.floor((width - 120) / (size * 5.2)); k++) words.push(WORDS[Math.floor(random() * WORDS.length)]);
    lines.push(`<text x="60" y="${y}" font-family="${font}" font-size="${size}" fill="#111">${words.join(' ')}</text>`);
    y += size * (random() < 0.1 ? 2.6 : 1.45);
  }
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${lines.join('')}</svg>`);
}

function gradientSvg(seed) {
  const random = prng(seed);
  const w = 800 + Math.floor(random() * 1200);
  const h = Math.round(w * (0.4 + random() * 0.4));
  const colours = PALETTES[seed % PALETTES.length];
  const count = 2 + Math.floor(random() * 3);
  const stops = Array.from({ length: count }, (_, i) => `<stop offset="${i / (count - 1)}" stop-color="${colours[Math.floor(random() * colours.length)]}"/>`).join('');
  const radial = random() < 0.4;
  const gradient = radial ? `<radialGradient id="g" cx="${random()}" cy="${random()}" r="0.9">${stops}</radialGradient>` : `<linearGradient id="g" x1="0" y1="0" x2="${random()}" y2="1">${stops}</linearGradient>`;
  const overlay = random() < 0.5 ? `<text x="${w * 0.08}" y="${h * 0.55}" font-family="sans-serif" font-weight="bold" font-size="${h * 0.15}" fill="#fff">Launch ${seed % 50}</text>` : '';
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><defs>${gradient}</defs><rect width="100%" height="100%" fill="url(#g)"/>${overlay}</svg>`);
}

function logoSvg(seed) {
  const random = prng(seed);
  const side = 128 + Math.floor(random() * 900);
  const c = PALETTES[seed % PALETTES.length];
  const shape = ['circle', 'rect', 'poly'][seed % 3];
  const body =
    shape === 'circle'
      ? `<circle cx="50%" cy="42%" r="30%" fill="${c[0]}"/><circle cx="50%" cy="42%" r="18%" fill="${c[1]}"/>`
      : shape === 'rect'
        ? `<rect x="18%" y="12%" width="64%" height="56%" rx="12%" fill="${c[2]}"/><rect x="34%" y="26%" width="32%" height="28%" fill="#fff"/>`
        : `<polygon points="${side / 2},${side * 0.08} ${side * 0.85},${side * 0.7} ${side * 0.15},${side * 0.7}" fill="${c[3]}"/>`;
  const name = ['acme', 'nordwind', 'photo score', 'blue owl', 'kiln and co'][seed % 5];
  const text = `<text x="50%" y="88%" text-anchor="middle" font-family="sans-serif" font-weight="bold" font-size="${side * 0.12}" fill="${random() < 0.5 ? '#111' : c[4]}">${name}</text>`;
  const bg = random() < 0.5 ? '' : `<rect width="100%" height="100%" fill="${random() < 0.5 ? '#ffffff' : c[5]}"/>`;
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}">${bg}${body}${text}</svg>`);
}

async function drawnGraphics(set) {
  const kinds = ['bar', 'line', 'area', 'scatter', 'pie'];
  for (let seed = 1; seed <= 120; seed++) {
    const kind = kinds[seed % kinds.length];
    const jpeg = seed % 3 === 0;
    await set.add('graphic', 'chart', `drawn:chart-${kind}-${seed}`, jpeg ? `svg jpeg q${70 + (seed % 4) * 7}` : 'svg png', () => (jpeg ? sharp(chartSvg(kind, seed)).jpeg({ quality: 70 + (seed % 4) * 7 }).toBuffer() : sharp(chartSvg(kind, seed)).png().toBuffer()), jpeg ? 'jpg' : 'png');
  }
  for (let seed = 1; seed <= 60; seed++) {
    const jpeg = seed % 2 === 0;
    await set.add('graphic', 'text', `drawn:text-${seed}`, jpeg ? 'rendered jpeg q80' : 'rendered png', () => (jpeg ? sharp(textSvg(seed)).jpeg({ quality: 80 }).toBuffer() : sharp(textSvg(seed)).png().toBuffer()), jpeg ? 'jpg' : 'png');
  }
  // "Scanned" pages: paper tint, slight rotation, optics blur, sensor noise, JPEG.
  for (let seed = 101; seed <= 160; seed++) {
    const random = prng(seed);
    const angle = (random() - 0.5) * 3;
    const sigma = 2 + random() * 6;
    await set.add('graphic', 'scanned-text', `drawn:scan-${seed}`, `rotated ${angle.toFixed(1)}°, blur, noise σ${sigma.toFixed(1)}, jpeg q75`, async () => {
      const page = await sharp(textSvg(seed, { width: 1240, height: 1754 })).rotate(angle, { background: '#f4f1e8' }).blur(0.7).tint('#f6f1e4').raw().toBuffer({ resolveWithObject: true });
      const noise = await sharp({ create: { width: page.info.width, height: page.info.height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma } } }).raw().toBuffer();
      const mixed = Buffer.alloc(page.data.length);
      for (let i = 0, j = 0; i < page.data.length; i += page.info.channels, j += 3) for (let c = 0; c < 3; c++) mixed[i / page.info.channels * 3 + c] = Math.max(0, Math.min(255, page.data[i + c] + noise[j + c] - 128));
      return sharp(mixed, { raw: { width: page.info.width, height: page.info.height, channels: 3 } }).jpeg({ quality: 75 }).toBuffer();
    }, 'jpg');
  }
  for (let seed = 1; seed <= 60; seed++) {
    const jpeg = seed % 3 === 0;
    await set.add('graphic', 'gradient', `drawn:gradient-${seed}`, jpeg ? 'svg jpeg q85' : 'svg png', () => (jpeg ? sharp(gradientSvg(seed)).jpeg({ quality: 85 }).toBuffer() : sharp(gradientSvg(seed)).png().toBuffer()), jpeg ? 'jpg' : 'png');
  }
  for (let seed = 1; seed <= 60; seed++) {
    const jpeg = seed % 4 === 0;
    await set.add('graphic', 'logo', `drawn:logo-${seed}`, jpeg ? 'svg jpeg q85 on white' : 'svg png', () => (jpeg ? sharp(logoSvg(seed)).flatten({ background: '#fff' }).jpeg({ quality: 85 }).toBuffer() : sharp(logoSvg(seed)).png().toBuffer()), jpeg ? 'jpg' : 'png');
  }
}

// ---------------------------------------------------------------- screenshots (Chromium)

function uiPage(seed) {
  const random = prng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const dark = random() < 0.25;
  const accent = pick(['#4945ff', '#0c75af', '#d02b20', '#328048', '#8e44ad', '#e67e22']);
  const bg = dark ? '#181826' : pick(['#f6f6f9', '#ffffff', '#f3f4f6']);
  const card = dark ? '#212134' : '#ffffff';
  const ink = dark ? '#eaeaef' : '#32324d';
  const rows = Array.from({ length: 4 + Math.floor(random() * 10) }, (_, i) => `<tr><td>${i + 1}</td><td>${WORDS[(seed + i) % WORDS.length]}-${i}.jpg</td><td>${(random() * 100).toFixed(1)}</td><td><span class="badge">${pick(['scored', 'flagged', 'skipped'])}</span></td><td>2026-11-${10 + i}</td></tr>`).join('');
  const cards = Array.from({ length: 2 + Math.floor(random() * 4) }, (_, i) => `<div class="card"><h3>${pick(['Uploads', 'Flagged', 'Average score', 'Storage', 'Visitors'])}</h3><div class="big">${Math.floor(random() * 9000)}</div><div class="bar"><i style="width:${Math.floor(random() * 100)}%"></i></div></div>`).join('');
  const nav = ['Content Manager', 'Media Library', 'Photo Score', 'Settings', 'Marketplace', 'Users'].map((n) => `<li>${n}</li>`).join('');
  const form = random() < 0.5 ? `<div class="panel"><h2>Settings</h2><label>Refuse below<input value="${Math.floor(random() * 60)}"></label><label>Flag below<input value="60"></label><label><input type="checkbox" checked> Skip graphics</label><button>Save</button></div>` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body{margin:0;font-family:${pick(['sans-serif', 'serif', 'monospace'])};background:${bg};color:${ink};font-size:${13 + Math.floor(random() * 4)}px}
    nav{position:fixed;left:0;top:0;bottom:0;width:${180 + Math.floor(random() * 80)}px;background:${dark ? '#11111b' : card};border-right:1px solid ${dark ? '#333' : '#eaeaef'}}
    nav ul{list-style:none;padding:16px}nav li{padding:8px 12px;border-radius:4px}nav li:nth-child(${1 + (seed % 5)}){background:${accent};color:#fff}
    main{margin-left:${270}px;padding:24px}h1{font-size:26px}
    .cards{display:flex;gap:16px;flex-wrap:wrap}.card{background:${card};padding:16px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.1);width:200px}
    .big{font-size:30px;font-weight:bold}.bar{height:8px;background:${dark ? '#333' : '#eee'};border-radius:4px}.bar i{display:block;height:8px;background:${accent};border-radius:4px}
    table{border-collapse:collapse;width:100%;background:${card};margin-top:20px}td{padding:10px;border-bottom:1px solid ${dark ? '#333' : '#eaeaef'}}
    .badge{background:${accent}22;color:${accent};padding:2px 8px;border-radius:10px}
    .panel{background:${card};padding:16px;margin-top:20px;border-radius:6px}label{display:block;margin:8px 0}input{margin-left:8px;padding:6px;border:1px solid #ccc;border-radius:4px}
    button{background:${accent};color:#fff;border:0;padding:8px 16px;border-radius:4px}
  </style></head><body><nav><ul>${nav}</ul></nav><main><h1>${pick(['Dashboard', 'Media Library', 'Photo Score', 'Reports'])}</h1><div class="cards">${cards}</div>${form}<table>${rows}</table></main></body></html>`;
}

async function screenshots(set, root, work) {
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const pagesDir = path.join(work, 'pages');
  fs.mkdirSync(pagesDir, { recursive: true });
  const docs = path.join(root, 'usr/share/doc');
  const htmlDocs = sample(walk(path.join(docs, 'octave'), (f) => /\.html$/.test(f)), 90, 31)
    .concat(sample(walk(path.join(docs, 'gnuplot'), (f) => /\.html$/.test(f)), 50, 32))
    .concat(sample(walk(path.join(docs, 'tuxpaint-data/en'), (f) => /\.html$/.test(f)), 20, 33));
  const generated = [];
  for (let seed = 1; seed <= 200; seed++) {
    const file = path.join(pagesDir, `ui-${seed}.html`);
    fs.writeFileSync(file, uiPage(seed));
    generated.push(file);
  }
  const viewports = [
    { width: 1280, height: 800 },
    { width: 1920, height: 1080 },
    { width: 1024, height: 768 },
    { width: 390, height: 844 },
    { width: 1440, height: 900 },
  ];
  const page = await browser.newPage();
  const all = [...generated.map((f) => ['generated', f]), ...htmlDocs.map((f) => ['docs', f])];
  for (const [i, [kind, file]] of all.entries()) {
    const viewport = viewports[i % viewports.length];
    const scale = i % 7 === 0 ? 2 : 1;
    const quality = i % 2 === 1 ? 60 + ((i * 7) % 35) : null;
    const source = kind === 'generated' ? `drawn:${path.basename(file)}` : file;
    await set.add('graphic', 'screenshot', source, `chromium ${viewport.width}x${viewport.height}@${scale}x ${quality ? `jpeg q${quality}` : 'png'}`, async () => {
      await page.setViewportSize(viewport);
      await page.goto(`file://${file}`, { waitUntil: 'load', timeout: 15000 });
      const png = await page.screenshot({ type: 'png' });
      const scaled = scale === 2 ? await sharp(png).resize(viewport.width * 2).png().toBuffer() : png;
      return quality ? sharp(scaled).jpeg({ quality }).toBuffer() : scaled;
    }, quality ? 'jpg' : 'png');
  }
  await browser.close();
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const wants = (name) => !args.only || args.only.has(name);
  fs.mkdirSync(args.out, { recursive: true });
  const root = unpackPackages(args.work);
  const set = new SetWriter(args.out);
  if (wants('photos')) await photos(set, args);
  if (wants('packages')) await packageGraphics(set, root);
  if (wants('drawn')) await drawnGraphics(set);
  if (wants('screenshots')) await screenshots(set, root, args.work);
  set.writeManifest();
  const counts = {};
  for (const row of set.rows) counts[`${row.label}/${row.category}`] = (counts[`${row.label}/${row.category}`] ?? 0) + 1;
  console.log(`${set.rows.length} images in ${args.out}`);
  for (const [key, n] of Object.entries(counts).sort()) console.log(`  ${key.padEnd(32)} ${n}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
