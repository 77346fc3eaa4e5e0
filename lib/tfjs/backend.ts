/**
 * Chooses the TensorFlow.js backend once per engine (each model-server worker has its own):
 * tfjs-node-gpu where it is installed and a GPU is present, else tfjs-node, else WASM (SIMD),
 * else the pure-JS CPU backend. The native packages are optional dependencies: where they cannot
 * install, the WASM path runs.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { Env } from '@/lib/env';

export type BackendPreference = Env['MODEL_BACKEND'];
export type BackendName = Exclude<BackendPreference, 'auto'>;

export interface BackendInfo {
  /** The package that provides the engine. */
  name: BackendName;
  /** tfjs's own name for the active backend (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  /** Why an earlier choice was skipped, for /api/health. */
  skipped: string[];
}

const require = createRequire(import.meta.url);

function gpuPresent(): boolean {
  return fs.existsSync('/dev/nvidia0') || fs.existsSync('/dev/dxg');
}

async function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string | null> {
  try {
    require.resolve(pkg);
  } catch {
    return `${pkg} is not installed`;
  }
  try {
    await import(pkg);
    return null;
  } catch (error) {
    return `${pkg} failed to load: ${(error as Error).message.split('\n')[0]}`;
  }
}

let chosen: Promise<BackendInfo> | undefined;

/** Initialises the backend (once per engine) and returns what was chosen and why. */
export function initBackend(preference: BackendPreference): Promise<BackendInfo> {
  chosen ??= choose(preference);
  return chosen;
}

async function choose(preference: BackendPreference): Promise<BackendInfo> {
  const skipped: string[] = [];
  const tf: typeof TF = await import('@tensorflow/tfjs');
  const want = (name: BackendName) => preference === 'auto' || preference === name;

  if (want('tfjs-node-gpu')) {
    const why = gpuPresent() ? await tryNative('@tensorflow/tfjs-node-gpu') : 'no GPU device found';
    if (why === null && (await tf.setBackend('tensorflow'))) return { name: 'tfjs-node-gpu', tfBackend: 'tensorflow', skipped };
    skipped.push(`tfjs-node-gpu: ${why ?? 'backend did not start'}`);
  }
  if (want('tfjs-node')) {
    const why = await tryNative('@tensorflow/tfjs-node');
    if (why === null && (await tf.setBackend('tensorflow'))) return { name: 'tfjs-node', tfBackend: 'tensorflow', skipped };
    skipped.push(`tfjs-node: ${why ?? 'backend did not start'}`);
  }
  if (want('wasm')) {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // Point tfjs at the .wasm files in node_modules; under a bundler the default path is wrong.
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + '/');
    // setBackend returns false (and stays on cpu) when the .wasm file cannot load.
    if (await tf.setBackend('wasm')) {
      const { registerWasmTrainingKernels } = await import('@/lib/tfjs/wasm-kernels');
      registerWasmTrainingKernels();
      return { name: 'wasm', tfBackend: 'wasm', skipped };
    }
    skipped.push('wasm: the .wasm binary did not load');
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('No TensorFlow.js backend could start');
  return { name: 'cpu', tfBackend: 'cpu', skipped };
}
