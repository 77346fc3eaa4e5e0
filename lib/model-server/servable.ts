/**
 * A servable as a model's manifest declares it (`models/<name>/index.ts`): how the model server
 * serves it (ModelSpec), the checkpoint folder it reads, and — as types only — the contract it
 * answers, so that `client.run(servable, input)` takes the contract's input and returns its output
 * without the caller naming either. Free of TensorFlow.js: the web process loads it.
 */
import type { ModelSpec } from './types';

declare const contract: unique symbol;

/** What a caller needs to run a servable: its name, and the contract's types (never a value). */
export interface ServableRef<I = unknown, O = unknown> {
  readonly name: string;
  /** Type-level only: the input the servable takes and the output it answers. */
  readonly [contract]?: (input: I) => O;
}

export type Servable<I = unknown, O = unknown> = ModelSpec &
  ServableRef<I, O> & {
    /** The checkpoint folder it loads, relative to the project root (e.g. `models/gan/checkpoint-mnist`). */
    readonly checkpoint?: string;
  };

/** Declares a servable answering contract I → O (the types are the manifest's promise; serve.ts keeps it). */
export function defineServable<I, O>(spec: ModelSpec & { checkpoint: string }): Servable<I, O> & { readonly checkpoint: string };
export function defineServable<I, O>(spec: ModelSpec): Servable<I, O>;
export function defineServable<I, O>(spec: ModelSpec & { checkpoint?: string }): Servable<I, O> {
  return spec;
}
