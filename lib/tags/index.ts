/**
 * Photo → tags and tags → photos with the multimodal DBM — one of the taggers of taggers.ts
 * (Flickr8k's by default, Corel-5k's on request), each reading its own feature model's vector.
 *
 * - `suggest`: a photo (stored through the upload service, which computes its image features) →
 *   p(word | image) and a ranking score for every vocabulary word, streamed per mean-field step;
 *   the top words are stored as suggestions and the run is recorded as a generation of the photo
 *   (lib/generations), where `tagsOf` finds the latest one again. Every list of
 *   the model's words is in the order of its score (see `TagScore`).
 * - `saveTags`: the person's corrections (accepted, removed, their own words) → the photo's tags.
 * - `search`: words → the photos whose image code is nearest (Euclidean) to the words' text code:
 *   the photos the person may see (their own and the public ones) and, where DATA_DIR has it,
 *   Corel-5k's training photos.
 * Only a photo's owner (or the administrator) tags it or changes its tags (lib/owners).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { getDb, type Db, type PhotoTag } from '@/lib/db';
import { ModelVersions } from '@/lib/db/model-versions';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors';
import { GenerationService } from '@/lib/generations';
import { getJobs, type JobRegistry } from '@/lib/jobs';
import { getModelServer, type ModelClient, type ProgressEvent } from '@/lib/model-server';
import { assertCanChange, type Owner, type Viewer } from '@/lib/owners';
import { euclidean, vectorFromBytes, vectorToBytes } from '@/lib/similarity';
import { getBlobStore, type BlobStore } from '@/lib/storage';
import { blobUrl, describePhoto, featureInput, getUploadService, UploadService, type UploadView } from '@/lib/uploads';
import { CorelIndex, corelPhotoUrl, type CorelCodes, type CorelIndexStatus } from './corel';
import { mapLimit, meanFieldProgress, MultimodalDbm, shownTags, type StoredTagScore, type TagScore } from './dbm';
import { defaultTagger, installedTaggers, taggerById, TAGGERS, type Tagger } from './taggers';
import { cleanPersonTag, loadVocabulary, type Vocabulary } from './words';

export { CorelIndex, corelPhotoUrl, type CorelIndexStatus } from './corel';
export { MultimodalDbm, mapLimit, type TagScore } from './dbm';
export { TAGGERS, defaultTagger, installedTaggers, taggerById, taggerIdSchema, type Tagger } from './taggers';
export { Vocabulary, cleanPersonTag, editDistance, loadVocabulary, normaliseWord, splitWords, TAG_MAX_LENGTH } from './words';

/** How many of the model's top words are stored as suggestions, and how many a page shows. */
export const STORED_SUGGESTIONS = 5;
export const SHOWN_SUGGESTIONS = 15;
/** How long a search waits for Corel-5k to be indexed before answering from uploads alone. */
const COREL_WAIT_MS = 20_000;
const IN_FLIGHT = 48;

export type TagSource = 'model' | 'person';
export type TagStatus = 'suggested' | 'accepted' | 'removed';

export interface PhotoTagView {
  word: string;
  source: TagSource;
  status: TagStatus;
  /** p(word | image) when the model proposed it. */
  probability: number | null;
  /**
   * The word's score in the model's latest run for this photo (1 for its top word; see
   * `TagScore`), by which the model's words are ordered; null for a person's own word and for a
   * word that run did not show.
   */
  score: number | null;
  modelVersion: string | null;
}

export interface Suggestions {
  /** The tagger that made them (taggers.ts). */
  model: Tagger['id'];
  /** The model's top words, highest score first. */
  tags: TagScore[];
  steps: number;
  modelVersion: string;
  createdAt: string;
}

export interface SuggestResult extends Suggestions {
  upload: UploadView;
  /** The photo's stored tags after this run. */
  saved: PhotoTagView[];
}

export interface PhotoTags {
  upload: UploadView;
  tags: PhotoTagView[];
  /** The latest model run for this photo, if any. */
  suggestions: Suggestions | null;
}

export interface TagCorrections {
  accepted?: string[];
  removed?: string[];
  added?: string[];
}

export interface SearchHit {
  kind: 'upload' | 'corel';
  id: string;
  url: string;
  /** Euclidean distance between the words' code and the photo's code; smaller is closer. */
  distance: number;
  /** Corel: its true tags; upload: the tags its owner kept, else the model's suggestions not removed (then `suggested`). */
  tags: string[];
  /** True when `tags` are the model's suggestions, not yet kept by the photo's owner. */
  suggested?: boolean;
  /** An upload: whether it is the searcher's own (else shared by someone). */
  yours?: boolean;
}

export interface SearchAnswer {
  /** The tagger whose vocabulary and codes were searched. */
  model: Tagger['id'];
  /** The vocabulary's words searched for. */
  words: string[];
  /** Typed words read as another form of a vocabulary word ("bird" → "birds"). */
  folded: { typed: string; word: string }[];
  /** Function words the tagger has no use for ("the", "of"), left out. */
  dropped: string[];
  modelVersion: string;
  results: SearchHit[];
  uploadsSearched: number;
  corel: CorelIndexStatus;
}

export type PhotoSource = { uploadId: string } | { bytes: Uint8Array; name: string | null };

const STATUS_ORDER: Record<TagStatus, number> = { accepted: 0, suggested: 1, removed: 2 };

function tagView(row: PhotoTag, latest: Suggestions | null): PhotoTagView {
  const fromLatest = row.source === 'model' ? latest?.tags.find((t) => t.word === row.word) : undefined;
  return {
    word: row.word,
    source: row.source as TagSource,
    status: row.status as TagStatus,
    probability: row.probability,
    score: fromLatest?.score ?? null,
    modelVersion: row.modelVersion,
  };
}

/** Kept, then suggested, then removed; each in the model's order (its score), then the rest by word. */
function byStatusThenScore(a: PhotoTagView, b: PhotoTagView): number {
  return STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || (b.score ?? -1) - (a.score ?? -1) || a.word.localeCompare(b.word);
}

export interface TagServiceOptions {
  db?: Db;
  models?: ModelClient;
  uploads?: UploadService;
  jobs?: JobRegistry;
  dataDir?: string;
  cacheDir?: string;
  /** Project root, where the model's checkpoint folder is. */
  root?: string;
  blobs?: BlobStore;
  generations?: GenerationService;
}

export const GENERATION_KIND = 'tags';

/** What a tags generation keeps: the run's shown words and how many mean-field steps it took. */
interface TagsOutput {
  tags: StoredTagScore[];
  steps: number;
}

/** Which tagger a request means: the one it names, else the default (taggers.ts). */
export type TaggerChoice = { model?: Tagger['id'] };

export class TagService {
  /** The Corel-5k tagger, whose codes index Corel-5k's training photos. */
  readonly dbm: MultimodalDbm;
  readonly corel: CorelIndex;
  private readonly db: Db;
  private readonly uploads: UploadService;
  private readonly models: ModelClient;
  private readonly blobs: BlobStore;
  private readonly generations: GenerationService;
  private readonly root: string;
  private readonly dbms = new Map<string, MultimodalDbm>();
  private readonly vocabularies = new Map<string, Promise<Vocabulary>>();
  private readonly featureVersions = new Map<string, Promise<string | null>>();
  /** Image codes of uploads, by `${modelVersion}:${uploadId}`. */
  private readonly uploadCodes = new Map<string, Float32Array>();
  private readonly versions: ModelVersions;

  constructor(options: TagServiceOptions = {}) {
    this.db = options.db ?? getDb();
    const models = options.models ?? getModelServer();
    this.uploads = options.uploads ?? new UploadService(this.db, undefined, models);
    this.root = options.root ?? process.cwd();
    this.versions = new ModelVersions(this.db, this.root);
    this.models = models;
    this.blobs = options.blobs ?? getBlobStore();
    this.generations = options.generations ?? new GenerationService(this.db, this.blobs);
    this.dbm = this.dbmOf(taggerById('multimodal-dbm-corel'));
    this.corel = new CorelIndex(models, this.dbm, options.jobs ?? getJobs(), {
      dataDir: options.dataDir ?? env.DATA_DIR,
      cacheDir: options.cacheDir ?? env.CACHE_DIR,
      checkpointDir: path.join(this.root, taggerById('multimodal-dbm-corel').servable.checkpoint),
    });
  }

  /** The tagger a request asked for (or the default); MODEL_UNAVAILABLE when it is not installed here. */
  tagger(choice: TaggerChoice = {}): Tagger {
    const tagger = choice.model ? taggerById(choice.model) : defaultTagger(this.root);
    if (!installedTaggers(this.root).includes(tagger)) {
      throw new AppError('MODEL_UNAVAILABLE', `The tagger "${tagger.label}" is not installed on this server. Choose another one.`);
    }
    return tagger;
  }

  /** The taggers installed here, the default first. */
  taggers(): Tagger[] {
    return installedTaggers(this.root);
  }

  /** The model-server client of a tagger. */
  dbmOf(tagger: Tagger): MultimodalDbm {
    let dbm = this.dbms.get(tagger.id);
    if (!dbm) this.dbms.set(tagger.id, (dbm = new MultimodalDbm(this.models, tagger.servable)));
    return dbm;
  }

  /** The words a tagger knows (MODEL_UNAVAILABLE until its checkpoint ships them). */
  vocabulary(choice: TaggerChoice = {}): Promise<Vocabulary> {
    const tagger = choice.model ? taggerById(choice.model) : defaultTagger(this.root);
    let words = this.vocabularies.get(tagger.id);
    if (!words) {
      words = loadVocabulary(this.root, tagger.servable.checkpoint).catch((error) => {
        this.vocabularies.delete(tagger.id);
        throw error;
      });
      this.vocabularies.set(tagger.id, words);
    }
    return words;
  }

  /**
   * Checks the tagger is there, then stores the photo (or finds the stored one), so that a bad image
   * or a missing model is an answer to the request itself rather than a failed job later.
   */
  async preparePhoto(owner: Owner, source: PhotoSource, options: { signal?: AbortSignal } & TaggerChoice = {}): Promise<UploadView> {
    const tagger = this.tagger(options);
    await this.vocabulary({ model: tagger.id });
    await this.dbmOf(tagger).ensureServed();
    if ('uploadId' in source) {
      // Tagging stores suggestions on the photo: its owner's (or the administrator's) to ask for.
      const row = await this.db.upload.findUnique({ where: { id: source.uploadId } });
      assertCanChange(owner, row, 'photo');
      return this.uploads.get(owner, source.uploadId);
    }
    // Waits for the feature row this tagger reads (the other is written when its model answers).
    return (await this.uploads.create(owner, source.bytes, source.name, { signal: options.signal, similar: 0, needs: [tagger.featureModel] })).upload;
  }

  /** Tags a photo: every mean-field step goes to `onProgress` with the current top words. */
  async suggest(
    owner: Owner,
    source: PhotoSource,
    options: { signal?: AbortSignal; onProgress?: (event: ProgressEvent) => void; steps?: number } & TaggerChoice = {},
  ): Promise<SuggestResult> {
    const tagger = this.tagger(options);
    const upload = await this.preparePhoto(owner, source, { signal: options.signal, model: tagger.id });
    const features = await this.featuresOf(upload, tagger, options.signal);

    const onProgress = options.onProgress;
    const run = await this.dbmOf(tagger).tags(features, {
      signal: options.signal,
      steps: options.steps,
      onProgress: onProgress && ((event) => onProgress(meanFieldProgress(event, SHOWN_SUGGESTIONS))),
    });
    const top = shownTags(run.tags, SHOWN_SUGGESTIONS);
    await this.versions.record(tagger.servable.name, run.modelVersion, tagger.servable.checkpoint);
    const output: TagsOutput = { tags: top, steps: run.steps };
    const generation = await this.generations.record({
      ownerId: owner.ownerId,
      kind: GENERATION_KIND,
      modelName: tagger.servable.name,
      modelVersion: run.modelVersion,
      seed: null,
      params: { uploadId: upload.id, steps: options.steps ?? null },
      uploadId: upload.id,
      blobRefs: [upload.sha256],
      output: { ...output },
    });
    await this.storeSuggestions(upload.id, top, run.modelVersion);
    const suggestions: Suggestions = { model: tagger.id, tags: top, steps: run.steps, modelVersion: run.modelVersion, createdAt: generation.createdAt };
    return { upload, ...suggestions, saved: await this.storedTags(upload.id, suggestions) };
  }

  /** The photo, its stored tags and the model's latest suggestions for it (a photo `viewer` may see). */
  async tagsOf(viewer: Viewer, uploadId: string): Promise<PhotoTags> {
    const upload = await this.uploads.get(viewer, uploadId);
    const suggestions = await this.latestSuggestions(uploadId);
    return { upload, tags: await this.storedTags(uploadId, suggestions), suggestions };
  }

  /**
   * Stores a person's corrections: `accepted` and `removed` words (usually the model's), and
   * `added` words of their own (any short word, cleaned and checked). Returns the photo's tags.
   */
  async saveTags(viewer: Viewer, uploadId: string, corrections: TagCorrections): Promise<PhotoTagView[]> {
    const accepted = new Set((corrections.accepted ?? []).map(cleanPersonTag));
    const removed = new Set((corrections.removed ?? []).map(cleanPersonTag));
    const added = new Set((corrections.added ?? []).map(cleanPersonTag));
    const both = [...removed].filter((w) => accepted.has(w) || added.has(w));
    if (both.length > 0) throw new AppError('BAD_REQUEST', `A tag cannot be both kept and removed: ${both.map((w) => `"${w}"`).join(', ')}.`);
    // NOT_FOUND for an unknown photo or someone else's private one; NOT_YOURS for someone else's shared one.
    assertCanChange(viewer, await this.db.upload.findUnique({ where: { id: uploadId } }), 'photo');

    const existing = new Map((await this.db.photoTag.findMany({ where: { uploadId } })).map((row) => [row.word, row]));
    const latest = await this.latestSuggestions(uploadId);
    const suggested = new Map(latest?.tags.map((t) => [t.word, t]) ?? []);
    const modelVersion = latest?.modelVersion ?? null;

    const writes: Promise<unknown>[] = [];
    const set = (word: string, status: TagStatus, source: TagSource) => {
      const row = existing.get(word);
      if (row) {
        if (row.status !== status) writes.push(this.db.photoTag.update({ where: { id: row.id }, data: { status } }));
        return;
      }
      const fromModel = source === 'model' ? suggested.get(word) : undefined;
      writes.push(
        this.db.photoTag.create({
          data: {
            uploadId,
            word,
            status,
            source: fromModel ? 'model' : 'person',
            probability: fromModel?.probability ?? null,
            modelVersion: fromModel ? modelVersion : null,
          },
        }),
      );
    };
    for (const word of accepted) set(word, 'accepted', 'model');
    for (const word of added) set(word, 'accepted', 'person');
    for (const word of removed) {
      const row = existing.get(word);
      // A person's own word, removed, is simply gone; a model's word stays on record as rejected.
      if (row?.source === 'person') writes.push(this.db.photoTag.delete({ where: { id: row.id } }));
      else if (row || suggested.has(word)) set(word, 'removed', 'model');
    }
    await Promise.all(writes);
    return this.storedTags(uploadId, latest);
  }

  /**
   * Photos nearest to `words`: read against the vocabulary forgivingly (another form of a word
   * folded, function words dropped, both said in the answer; UNKNOWN_TAGS with close words for a
   * word it knows in no form), encoded by the DBM's text pathway, compared with each photo's image code.
   */
  async search(viewer: Viewer, words: string[], options: { limit?: number; signal?: AbortSignal; corelWaitMs?: number } & TaggerChoice = {}): Promise<SearchAnswer> {
    const limit = options.limit ?? 24;
    const tagger = this.tagger(options);
    const dbm = this.dbmOf(tagger);
    const read = (await this.vocabulary({ model: tagger.id })).read(words, { label: tagger.label });
    const clean = read.words;
    const text = await dbm.textCode(clean, { signal: options.signal });
    const version = text.modelVersion;
    await this.versions.record(tagger.servable.name, version, tagger.servable.checkpoint);

    const corelSearched: Promise<{ codes?: CorelCodes | null; status: CorelIndexStatus }> =
      tagger.searchesDataset === 'corel5k'
        ? this.corel.codes(version, options.corelWaitMs ?? COREL_WAIT_MS)
        : Promise.resolve({ status: { status: 'unavailable', message: `Searched: your photos and those others shared only (${tagger.label} has no photo collection to search here).` } });
    const [uploads, corel] = await Promise.all([this.codesOfUploads(viewer, tagger, version, options.signal), corelSearched]);
    type Candidate = { kind: 'upload' | 'corel'; key: string; distance: number };
    const candidates: Candidate[] = uploads.map(({ uploadId, code }) => ({ kind: 'upload', key: uploadId, distance: euclidean(text.code, code) }));
    if (corel.codes) {
      const { codes, dims, items } = corel.codes;
      for (let r = 0; r < items.length; r++) {
        candidates.push({ kind: 'corel', key: String(r), distance: euclidean(text.code, codes.subarray(r * dims, (r + 1) * dims)) });
      }
    }
    const nearest = candidates.sort((a, b) => a.distance - b.distance).slice(0, limit);

    const uploadIds = nearest.filter((c) => c.kind === 'upload').map((c) => c.key);
    const [rows, tagRows] = await Promise.all([
      this.db.upload.findMany({ where: { id: { in: uploadIds } } }),
      this.db.photoTag.findMany({ where: { uploadId: { in: uploadIds }, status: { in: ['accepted', 'suggested'] } }, orderBy: [{ probability: 'desc' }, { word: 'asc' }] }),
    ]);
    const uploadRows = new Map(rows.map((row) => [row.id, row]));
    const results = nearest.flatMap((c): SearchHit[] => {
      const distance = Number(c.distance.toFixed(4));
      if (c.kind === 'corel') {
        const item = corel.codes!.items[Number(c.key)];
        return [{ kind: 'corel', id: item.id, url: corelPhotoUrl(item.id), distance, tags: item.tags }];
      }
      const row = uploadRows.get(c.key);
      if (!row) return [];
      const own = tagRows.filter((t) => t.uploadId === row.id);
      const kept = own.filter((t) => t.status === 'accepted').map((t) => t.word);
      const hit = { kind: 'upload' as const, id: row.id, url: blobUrl(row.sha256), distance, yours: viewer.admin || row.ownerId === viewer.ownerId };
      if (kept.length > 0 || own.length === 0) return [{ ...hit, tags: kept }];
      return [{ ...hit, tags: own.map((t) => t.word), suggested: true }];
    });
    return { model: tagger.id, words: clean, folded: read.folded, dropped: read.dropped, modelVersion: version, results, uploadsSearched: uploads.length, corel: corel.status };
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** The photo's stored tags, the model's words scored and ordered by its run `latest`. */
  private async storedTags(uploadId: string, latest: Suggestions | null): Promise<PhotoTagView[]> {
    return (await this.db.photoTag.findMany({ where: { uploadId } })).map((row) => tagView(row, latest)).sort(byStatusThenScore);
  }

  /** The latest run of any tagger on this photo. */
  private async latestSuggestions(uploadId: string): Promise<Suggestions | null> {
    const run = await this.generations.latestFromUpload<Record<string, unknown>, TagsOutput>(uploadId, { kind: GENERATION_KIND, modelNames: TAGGERS.map((t) => t.servable.name) });
    if (!run?.result) return null;
    const model = TAGGERS.find((t) => t.servable.name === run.modelName)!.id;
    return { model, tags: shownTags(run.result.tags), steps: run.result.steps, modelVersion: run.modelVersion, createdAt: run.createdAt };
  }

  /**
   * Stores the model's top words of `shown` as suggestions. A word the person already accepted or
   * removed keeps their decision, with this run's p if the run shows it (so that p and the score
   * a stored word is shown with come from one run); the model's older suggestions that are no
   * longer among its top go.
   */
  private async storeSuggestions(uploadId: string, shown: TagScore[], modelVersion: string): Promise<void> {
    const existing = new Map((await this.db.photoTag.findMany({ where: { uploadId } })).map((row) => [row.word, row]));
    const top = new Set(shown.slice(0, STORED_SUGGESTIONS).map((t) => t.word));
    const writes: Promise<unknown>[] = [];
    for (const row of existing.values()) {
      if (row.source === 'model' && row.status === 'suggested' && !top.has(row.word)) writes.push(this.db.photoTag.delete({ where: { id: row.id } }));
    }
    for (const { word, probability } of shown) {
      const row = existing.get(word);
      if (!row && top.has(word)) writes.push(this.db.photoTag.create({ data: { uploadId, word, source: 'model', status: 'suggested', probability, modelVersion } }));
      else if (row?.source === 'model' && (top.has(word) || row.status !== 'suggested')) writes.push(this.db.photoTag.update({ where: { id: row.id }, data: { probability, modelVersion } }));
    }
    await Promise.all(writes);
  }

  /**
   * A stored photo's vector from feature model `model`: its latest stored row, else computed now
   * from the stored photo through the model server and stored (a photo uploaded before that
   * feature model existed, not yet reached by the background re-featuring).
   */
  private async featuresOf(upload: UploadView, tagger: Tagger, signal?: AbortSignal): Promise<Float32Array> {
    const model = tagger.featureModel;
    // A row of the feature version the tagger was trained on (a photo stored under an older
    // version of the features is described again; the background re-featuring does the rest).
    const version = await this.featureVersionOf(tagger);
    const row = await this.db.imageFeature.findFirst({
      where: { uploadId: upload.id, modelName: model, ...(version ? { modelVersion: version } : {}) },
      orderBy: { createdAt: 'desc' },
    });
    if (row) return vectorFromBytes(row.vector);
    const bytes = await this.blobs.get(upload.sha256);
    if (!bytes) throw new AppError('NOT_FOUND', 'This photo is no longer stored, so it cannot be tagged. Please upload it again.');
    const features = await describePhoto(this.models, model, await featureInput(bytes, model), signal);
    try {
      await this.db.imageFeature.create({
        data: { uploadId: upload.id, modelName: model, modelVersion: features.modelVersion, dims: features.vector.length, vector: vectorToBytes(features.vector) },
      });
    } catch (error) {
      if ((error as { code?: string }).code !== 'P2002') throw error; // written meanwhile by the re-featuring: the same vector
    }
    return features.vector;
  }

  /** The feature version a tagger's checkpoint was trained on (its meta.json), or null when it does not say. */
  private featureVersionOf(tagger: Tagger): Promise<string | null> {
    let known = this.featureVersions.get(tagger.id);
    if (!known) {
      known = fsp
        .readFile(path.join(this.root, tagger.servable.checkpoint, 'meta.json'), 'utf8')
        .then((text) => (JSON.parse(text) as { featureVersion?: string }).featureVersion ?? null)
        .catch(() => null);
      this.featureVersions.set(tagger.id, known);
    }
    return known;
  }

  /** The image code, for a tagger's `version`, of every stored photo `viewer` may see; computed through the model server once. */
  private async codesOfUploads(viewer: Viewer, tagger: Tagger, version: string, signal?: AbortSignal): Promise<{ uploadId: string; code: Float32Array }[]> {
    const FEATURE_MODEL = tagger.featureModel;
    const dbm = this.dbmOf(tagger);
    const featureVersion = await this.featureVersionOf(tagger);
    const which = { modelName: FEATURE_MODEL, ...(featureVersion ? { modelVersion: featureVersion } : {}) };
    const visible = await this.uploads.visibleIds(viewer);
    const ids = [...new Set((await this.db.imageFeature.findMany({ where: which, select: { uploadId: true } })).map((r) => r.uploadId))].filter(
      (id) => !visible || visible.has(id),
    );
    const missing = ids.filter((id) => !this.uploadCodes.has(`${version}:${id}`));
    for (let start = 0; start < missing.length; start += 500) {
      const chunk = missing.slice(start, start + 500);
      const rows = await this.db.imageFeature.findMany({
        where: { ...which, uploadId: { in: chunk } },
        orderBy: { createdAt: 'asc' }, // the latest row of an upload is written last below
        select: { uploadId: true, vector: true },
      });
      const latest = new Map(rows.map((r) => [r.uploadId, r.vector]));
      await mapLimit([...latest], IN_FLIGHT, async ([uploadId, vector]) => {
        if (signal?.aborted) throw new AppError('CANCELLED', 'The search was cancelled.');
        const { code, modelVersion } = await dbm.imageCode(vectorFromBytes(vector));
        this.uploadCodes.set(`${modelVersion}:${uploadId}`, code);
      });
    }
    return ids.flatMap((uploadId) => {
      const code = this.uploadCodes.get(`${version}:${uploadId}`);
      return code ? [{ uploadId, code }] : [];
    });
  }
}

const holder = globalThis as typeof globalThis & { __latentStudioTags?: TagService };

export function getTagService(): TagService {
  holder.__latentStudioTags ??= new TagService({ uploads: getUploadService() });
  return holder.__latentStudioTags;
}
