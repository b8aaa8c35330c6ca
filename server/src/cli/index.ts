/**
 * `photo-score` command line: scores image files with the embedded scorer, no Strapi needed.
 *
 *   photo-score score <file-or-dir>... [--json]
 *   photo-score backfill --url <strapi> --token <admin token> [--dry-run] [filters]   (./backfill.ts)
 *
 * Bundled to dist/cli.js (npm run build:cli) and started by bin/photo-score.js.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { decodeWorkingImage } from '../prepare/decode';
import { DIMENSION_NAMES } from '../scorers/local';
import { DEFAULT_MODERATION_THRESHOLDS, describeModeration } from '../scorers/deep/nsfw';
import { assertDeepPackages } from '../scorers/deep/packages';
import type { ContentVerdict } from '../scorers/content';
import { inThreadEmbedded, type EmbeddedScore } from '../scorers/embedded';
import { QUALITY_CLASS_LABELS, scoreToClass } from '../scorers/score-class';
import {
  BACKFILL_USAGE,
  parseBackfillArguments,
  processIo,
  runBackfill,
  type BackfillCommand,
  type BackfillIo,
} from './backfill';

// Re-exported so scripts and benchmarks can use the bundle without Strapi.
export { decodeWorkingImage, UnreadableImageError } from '../prepare/decode';
export { scoreLocal, LOCAL_MODEL_VERSION } from '../scorers/local';
export { scoreToClass } from '../scorers/score-class';

/** Where the CLI writes; injectable so it can be driven in-process. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

const processOutput: CliOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export const EXIT_OK = 0;
export const EXIT_SOME_FAILED = 1;
export const EXIT_USAGE = 2;

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif', '.tif', '.tiff']);

export const SCORE_USAGE = `Usage: photo-score score <file-or-directory>... [--json] [--mode fast|deep] [--moderation]

Scores images for technical quality (0–100, class 1–5) with the embedded offline scorer.
Directories are searched recursively for ${[...IMAGE_EXTENSIONS].join(' ')} files.

Options:
  --json      one JSON object per image and line:
              {"file":…,"score":…,"class":…,"content":"photo"|"graphic","dimensions":{…},"reasons":{…}}
              or {"file":…,"error":"…"}
              (reasons: why low dimensions pull the score down, e.g. "out of focus or blurred";
              content: a logo, icon, screenshot, chart or illustration is a "graphic", still scored here)
  --mode fast   hand-crafted measurements and a small model, a few ms per image (default)
  --mode deep   MobileNetV2 features and a learned head (agrees better with people; ≈ 0.1 s
                per image after a one-off load of the bundled CNN)
  --moderation  also the offline NSFW check, with the same CNN: safe, or the deciding class
                with its own probability, e.g. suggestive (Sexy 64 %), nsfw (Porn 83 %)
  -h, --help  show this help

Exit status: 0 all images scored, 1 some could not be read, 2 usage error.`;

export const USAGE = `${SCORE_USAGE}

${BACKFILL_USAGE}

Help on one command: photo-score <score|backfill> --help`;

interface ScoreCommand {
  paths: string[];
  json: boolean;
  mode: 'fast' | 'deep';
  moderation: boolean;
}

type ParsedArguments =
  | { kind: 'help'; usage: string }
  | { kind: 'usage-error'; message: string; usage: string }
  | { kind: 'score'; command: ScoreCommand }
  | { kind: 'backfill'; command: BackfillCommand };

export function parseArguments(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): ParsedArguments {
  const [command, ...rest] = argv;
  const usage = command === 'score' ? SCORE_USAGE : command === 'backfill' ? BACKFILL_USAGE : USAGE;
  if (argv.some((arg) => arg === '-h' || arg === '--help') || command === 'help') return { kind: 'help', usage };
  if (command === undefined) return { kind: 'usage-error', message: 'missing command', usage };
  if (command === 'backfill') {
    const parsed = parseBackfillArguments(rest, env);
    return parsed.kind === 'backfill' ? parsed : { ...parsed, usage };
  }
  if (command !== 'score') return { kind: 'usage-error', message: `unknown command '${command}'`, usage };

  const paths: string[] = [];
  let json = false;
  let mode: ScoreCommand['mode'] = 'fast';
  let moderation = false;
  let optionsEnded = false;
  for (let index = 0; index < rest.length; index++) {
    const arg = rest[index];
    if (!optionsEnded && arg === '--') optionsEnded = true;
    else if (!optionsEnded && arg === '--json') json = true;
    else if (!optionsEnded && arg === '--moderation') moderation = true;
    else if (!optionsEnded && (arg === '--mode' || arg.startsWith('--mode='))) {
      const value = arg === '--mode' ? rest[++index] : arg.slice('--mode='.length);
      if (value !== 'fast' && value !== 'deep')
        return { kind: 'usage-error', message: `--mode must be fast or deep`, usage };
      mode = value;
    } else if (!optionsEnded && arg.startsWith('-') && arg !== '-')
      return { kind: 'usage-error', message: `unknown option '${arg}'`, usage };
    else paths.push(arg);
  }
  if (paths.length === 0) return { kind: 'usage-error', message: 'score needs at least one file or directory', usage };
  return { kind: 'score', command: { paths, json, mode, moderation } };
}

function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
}

/** Image files under a directory, recursively, in a stable (sorted) order; symlink loops are skipped. */
async function imagesUnder(directory: string, visited: Set<string>): Promise<string[]> {
  const real = await fs.realpath(directory);
  if (visited.has(real)) return [];
  visited.add(real);
  const entries = (await fs.readdir(directory, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(directory, entry.name);
    const stat = entry.isSymbolicLink() ? await fs.stat(full).catch(() => undefined) : entry;
    if (stat?.isDirectory()) files.push(...(await imagesUnder(full, visited)));
    else if (stat?.isFile() && isImageFile(entry.name)) files.push(full);
  }
  return files;
}

type Target = { file: string } | { file: string; error: string };

/** Files to score, in argument order. Named files are taken whatever their extension. */
async function resolveTargets(paths: readonly string[], output: CliOutput): Promise<Target[]> {
  const targets: Target[] = [];
  const visited = new Set<string>();
  for (const given of paths) {
    const stat = await fs.stat(given).catch(() => undefined);
    if (!stat) {
      targets.push({ file: given, error: 'no such file or directory' });
    } else if (stat.isDirectory()) {
      const found = await imagesUnder(given, visited);
      if (found.length === 0) output.err(`photo-score: no images found in ${given}`);
      targets.push(...found.map((file) => ({ file })));
    } else {
      targets.push({ file: given });
    }
  }
  return targets;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An image's score, and whether it is a photo at all (the CLI scores graphics too, and says so). */
type CliResult = EmbeddedScore & { content: ContentVerdict };

async function scoreFile(file: string, command: ScoreCommand): Promise<CliResult> {
  const { mode, moderation } = command;
  const image = await decodeWorkingImage(file);
  const embedded = inThreadEmbedded({ mode, moderation, moderationThresholds: DEFAULT_MODERATION_THRESHOLDS });
  return { ...(await embedded.score(image)), content: await embedded.content(image) };
}

const DIMENSION_HEADINGS: Readonly<Record<(typeof DIMENSION_NAMES)[number], string>> = {
  sharpness: 'sharp',
  exposure: 'expos',
  contrast: 'contr',
  colourfulness: 'colour',
  saturation: 'satur',
  noise: 'noise',
  compression: 'compr',
  resolution: 'resol',
};

function tableHeader(): string {
  const dimensions = DIMENSION_NAMES.map((name) => DIMENSION_HEADINGS[name].padStart(7)).join('');
  return `${'score'.padStart(5)}  ${'class'.padEnd(13)}${dimensions}  ${'content'.padEnd(7)}  file`;
}

/** The row, then its reasons, when there are some, on an indented line of their own. */
function tableRow(file: string, result: CliResult): string {
  const quality = scoreToClass(result.score);
  const label = `${quality} ${QUALITY_CLASS_LABELS[quality]}`;
  // A black-and-white photo's colour readings do not apply: shown as b/w.
  const reading = (name: (typeof DIMENSION_NAMES)[number]): string =>
    result.monochrome && (name === 'colourfulness' || name === 'saturation') ? 'b/w' : String(result.dimensions[name]);
  const dimensions = DIMENSION_NAMES.map((name) => reading(name).padStart(7)).join('');
  const moderated = result.moderation ? `  [${describeModeration(result.moderation)}]` : '';
  const content = result.content.content.padEnd(7);
  const row = `${result.score.toFixed(1).padStart(5)}  ${label.padEnd(13)}${dimensions}  ${content}  ${file}${moderated}`;
  // Dimension reasons in column order, then the others (colour balance, overall impression).
  const rank = (name: string): number => {
    const index = (DIMENSION_NAMES as readonly string[]).indexOf(name);
    return index < 0 ? DIMENSION_NAMES.length + (name === 'overall' ? 1 : 0) : index;
  };
  const reasons = Object.entries(result.reasons)
    .flatMap(([name, reason]) => (typeof reason === 'string' ? [{ name, reason }] : []))
    .sort((a, b) => rank(a.name) - rank(b.name))
    .map(({ reason }) => reason);
  return reasons.length > 0 ? `${row}\n${' '.repeat(7)}↳ ${reasons.join('; ')}` : row;
}

function jsonRow(file: string, result: CliResult): string {
  return JSON.stringify({
    file,
    score: result.score,
    class: scoreToClass(result.score),
    content: result.content.content,
    dimensions: result.dimensions,
    reasons: result.reasons,
    ...(result.monochrome ? { monochrome: true } : {}),
    ...(result.moderation ? { moderation: result.moderation } : {}),
  });
}

async function runScore(command: ScoreCommand, output: CliOutput): Promise<number> {
  const targets = await resolveTargets(command.paths, output);
  let failed = 0;
  if (!command.json && targets.some((target) => !('error' in target))) output.out(tableHeader());
  for (const target of targets) {
    let result: CliResult | undefined;
    let problem = 'error' in target ? target.error : undefined;
    if (problem === undefined) {
      try {
        result = await scoreFile(target.file, command);
      } catch (error) {
        problem = errorMessage(error);
      }
    }
    if (result) {
      output.out(command.json ? jsonRow(target.file, result) : tableRow(target.file, result));
    } else {
      failed++;
      if (command.json) output.out(JSON.stringify({ file: target.file, error: problem }));
      else output.err(`photo-score: ${target.file}: ${problem}`);
    }
  }
  return failed > 0 ? EXIT_SOME_FAILED : EXIT_OK;
}

/**
 * Runs the CLI and resolves to the exit code; never calls process.exit itself. `io` is the
 * terminal `backfill` draws its progress on and takes Ctrl-C from (the process's by default).
 */
export async function runCli(
  argv: readonly string[],
  output: CliOutput = processOutput,
  io: BackfillIo = output === processOutput ? processIo : { ...processIo, ...output, tty: false },
): Promise<number> {
  const parsed = parseArguments(argv);
  switch (parsed.kind) {
    case 'help':
      output.out(parsed.usage);
      return EXIT_OK;
    case 'usage-error':
      output.err(`photo-score: ${parsed.message}\n\n${parsed.usage}`);
      return EXIT_USAGE;
    case 'score':
      try {
        if (parsed.command.mode === 'deep') assertDeepPackages('--mode deep');
        else if (parsed.command.moderation) assertDeepPackages('--moderation');
      } catch (error) {
        output.err(errorMessage(error));
        return EXIT_USAGE;
      }
      return runScore(parsed.command, output);
    case 'backfill':
      return runBackfill(parsed.command, io);
  }
}
