/**
 * The CNN behind the deep embedded mode: nsfwjs's MobileNetV2 (224×224 input, ImageNet
 * backbone fine-tuned on five NSFW classes), whose weights ship inside the `nsfwjs` npm
 * package, run by TensorFlow.js on its WebAssembly backend (SIMD; the native tfjs-node
 * cannot be installed from the registry alone and the pure-JS backend is ~30× slower).
 *
 * Everything is read from node_modules through the filesystem: the `.wasm` binary and the
 * model's topology and weights. Nothing is fetched, so it works with no network at all.
 *
 * Loaded once per process (≈ 0.2 s, ≈ 40 MB) and shared by every upload.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';

import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';

export const INPUT_SIZE = 224;

/**
 * Intermediate activations tapped for quality features, shallow to deep: early blocks see
 * blur, noise and compression, late ones see content. Chosen by repeated cross-validation
 * on clive-dev: the last one (`out_relu`, what the NSFW classifier pools) made agreement
 * worse (it is tuned to NSFW classes), the first convolution and block 2 made it better.
 */
export const TAPPED_LAYERS = [
  'Conv1_relu',
  'block_2_expand_relu',
  'block_3_expand_relu',
  'block_6_expand_relu',
  'block_10_expand_relu',
  'block_13_expand_relu',
  'block_16_expand_relu',
] as const;

/** nsfwjs's class order (its `NSFW_CLASSES`). */
export const NSFW_CLASS_NAMES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;
export type NsfwClassName = (typeof NSFW_CLASS_NAMES)[number];

/** Which bundled model this is, recorded with every score so it can be traced. */
export const BACKBONE = 'nsfwjs@4.4.0/mobilenet_v2';

export interface NetworkOutput {
  /**
   * Per input, per tapped layer (in TAPPED_LAYERS order): the channel means then the
   * channel standard deviations over the spatial grid.
   */
  pooled: Float32Array[];
  /** Per input: the five NSFW class probabilities, NSFW_CLASS_NAMES order. */
  nsfw: Float32Array[];
}

export interface DeepNetwork {
  /** `inputs`: RGB 224×224 images, 8 bits per channel, row-major, no padding. */
  run(inputs: readonly Buffer[]): NetworkOutput;
  /** Length of one input's pooled vector. */
  pooledLength: number;
  loadMs: number;
}

const weightSpecSchema = z
  .object({
    name: z.string(),
    shape: z.array(z.number().int().nonnegative()),
    dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']),
  })
  .passthrough();

/** What the bundled `model.min.js` exports: a Keras topology and its weight manifest. */
const bundledModelSchema = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(weightSpecSchema) })).length(1),
});

function packageDirectory(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

/** The bundled files are CommonJS modules exporting JSON and base64; dropped from the require cache once read. */
function requireOnce(file: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a data module found at run time, not an import
  const exported: unknown = require(file);
  delete require.cache[file];
  return exported;
}

function readBundledModel(): TfCore.io.ModelArtifacts {
  // nsfwjs exports no package.json; its mobilenet_v2 entry point sits in dist/cjs/models/.
  const entry = require.resolve('nsfwjs/models/mobilenet_v2');
  const directory = path.resolve(path.dirname(entry), '..', '..', 'models', 'mobilenet_v2');
  const model = bundledModelSchema.parse(requireOnce(path.join(directory, 'model.min.js')));
  const manifest = model.weightsManifest[0];
  const shards = manifest.paths.map((shard) => {
    const base64 = z
      .string()
      .min(1)
      .parse(requireOnce(path.join(directory, `${shard}.min.js`)));
    return Buffer.from(base64, 'base64');
  });
  const weights = Buffer.concat(shards);
  return {
    modelTopology: model.modelTopology,
    weightSpecs: manifest.weights as TfCore.io.WeightsManifestEntry[],
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  };
}

async function initialiseBackend(tf: typeof TfCore): Promise<void> {
  if (tf.getBackend() === 'wasm') return;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // A directory path (trailing separator) and no platform fetch: Emscripten then reads the
  // binary with fs, which Node's fetch cannot do for a plain path.
  wasm.setWasmPaths(path.join(packageDirectory('@tensorflow/tfjs-backend-wasm'), 'dist') + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its WebAssembly backend');
  await tf.ready();
}

async function load(): Promise<DeepNetwork> {
  const started = performance.now();
  const tf = await import('@tensorflow/tfjs-core');
  const layers: typeof TfLayers = await import('@tensorflow/tfjs-layers');
  await initialiseBackend(tf);

  const full = await layers.loadLayersModel(tf.io.fromMemory(readBundledModel()));
  const tapped = TAPPED_LAYERS.map((name) => full.getLayer(name).output);
  const probabilities = full.outputs[0];
  const outputs = [...tapped, probabilities].flatMap((output) => (Array.isArray(output) ? output : [output]));
  const network = layers.model({ inputs: full.inputs, outputs });

  const run = (inputs: readonly Buffer[]): NetworkOutput =>
    tf.tidy(() => {
      const pixels = INPUT_SIZE * INPUT_SIZE * 3;
      const batch = new Float32Array(inputs.length * pixels);
      inputs.forEach((input, index) => {
        if (input.length !== pixels)
          throw new RangeError(`deep model input ${index}: ${input.length} bytes, expected ${pixels}`);
        // nsfwjs's preprocessing: RGB scaled to 0–1.
        for (let i = 0; i < pixels; i++) batch[index * pixels + i] = input[i] / 255;
      });
      const x = tf.tensor4d(batch, [inputs.length, INPUT_SIZE, INPUT_SIZE, 3]);
      const results = network.predict(x);
      const all = Array.isArray(results) ? results : [results];
      const pooledParts = all.slice(0, TAPPED_LAYERS.length).map((activation) => {
        const { mean, variance } = tf.moments(activation, [1, 2]);
        return tf.concat([mean, tf.sqrt(variance)], 1);
      });
      const pooled = tf.concat(pooledParts, 1);
      const pooledLength = pooled.shape[1] ?? 0;
      const pooledValues = pooled.dataSync() as Float32Array;
      const nsfwValues = all[TAPPED_LAYERS.length].dataSync() as Float32Array;
      return {
        pooled: inputs.map((_, i) => pooledValues.slice(i * pooledLength, (i + 1) * pooledLength)),
        nsfw: inputs.map((_, i) => nsfwValues.slice(i * NSFW_CLASS_NAMES.length, (i + 1) * NSFW_CLASS_NAMES.length)),
      };
    });

  // Warm-up: the first inference compiles kernels and allocates the wasm heap.
  const blank = Buffer.alloc(INPUT_SIZE * INPUT_SIZE * 3, 128);
  const pooledLength = run([blank]).pooled[0].length;
  run([blank, blank]);
  return { run, pooledLength, loadMs: Math.round(performance.now() - started) };
}

let loading: Promise<DeepNetwork> | null = null;

/**
 * The process-wide network, loaded on first call; later calls (and concurrent ones) share
 * the same promise. A failed load is forgotten so the next call tries again.
 */
export function loadDeepNetwork(): Promise<DeepNetwork> {
  if (!loading) {
    loading = load().catch((error: unknown) => {
      loading = null;
      throw error;
    });
  }
  return loading;
}
