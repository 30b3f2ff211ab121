import { createHash, randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import {
  ASSET_FORMAT,
  AssetId,
  LOCAL_TENANT,
  TenantName,
  AssetManifest,
  migrateAsset,
  type AssetImage,
  type AssetKind,
  type LoraVersion,
  type TrainingBase,
} from '@studio/node-schemas';
import { InvalidRequestError, StudioError } from '../errors.ts';
import { migrateFile } from '../projects/format-errors.ts';
import { initRepository } from '../projects/git.ts';
import { heldRepository, openProjectRepository } from '../projects/repository/open-project-repository.ts';
import type { FileChange, HeldRepository } from '../projects/repository/project-repository.ts';
import type { GitQueue } from '../projects/git-queue.ts';
import type { Workspace } from '../projects/workspace.ts';
import { AssetNotFoundError, TriggerWordTakenError } from './asset-errors.ts';
import { writeThumbnail, type ProbedImage } from './image-probe.ts';
import { storeDraftPixels } from './draft-pixels.ts';
import { inParallel } from './in-parallel.ts';
import { NEAR_DUPLICATE_BITS, hammingDistance } from './phash.ts';

export const LIBRARY_ASSETS_DIR = 'Library/Generative_Assets';

/**
 * Where a tenant's Generative Assets live: the local tenant's (the single-user default) where they
 * always were, another tenant's in a library repository of its own under Library/Tenants/<tenant>/.
 * Tenant names are TenantName (lower-case letters, digits, dash, underscore): safe as a folder.
 */
export function libraryRoot(workspace: Workspace, tenant: string = LOCAL_TENANT): string {
  if (tenant === LOCAL_TENANT) return join(workspace.home, LIBRARY_ASSETS_DIR);
  if (!TenantName.safeParse(tenant).success) throw new InvalidRequestError('not a tenant name', { tenant: tenant.slice(0, 64) });
  return join(workspace.home, 'Library', 'Tenants', tenant, 'Generative_Assets');
}
/** Scratch space inside the library repository (git-ignored): uploads land here before they are checked. */
const INCOMING = '.incoming';
const SAMPLES = '.samples';

export interface NearDuplicate {
  image: string;
  of: string;
  distance: number;
}

/** Files stored under an asset's name in LoRA versions: `KIRA_v03.safetensors`. */
export function versionBaseName(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase()
    .slice(0, 40);
  return base || 'ASSET';
}

/**
 * The workspace's Generative Assets (docs/assets.md#generative-assets): one folder per asset with asset.json, its
 * reference images and LoRA versions, all in one git repository with LFS, written only through the
 * engine's git queue so two requests never interleave.
 */
export class AssetLibrary {
  readonly root: string;
  readonly #queueKey: string;
  #ready: Promise<void> | null = null;

  constructor(
    workspace: Workspace,
    private readonly queue: GitQueue,
    private readonly templatesDir: string,
    readonly tenant: string = LOCAL_TENANT,
  ) {
    this.root = libraryRoot(workspace, tenant);
    this.#queueKey = tenant === LOCAL_TENANT ? 'library:generative-assets' : `library:${tenant}:generative-assets`;
  }

  ready(): Promise<void> {
    this.#ready ??= (async () => {
      await mkdir(join(this.root, INCOMING), { recursive: true });
      await mkdir(join(this.root, SAMPLES), { recursive: true });
      if (await stat(join(this.root, '.git')).catch(() => null)) return;
      await initRepository(this.root);
      // No one reaches the library before it is ready: its first commit needs no turn in the queue.
      await heldRepository({ id: this.#queueKey, dir: this.root }).commit({
        actor: undefined,
        message: 'Asset library created',
        files: [
          { path: '.gitattributes', content: await readFile(join(this.templatesDir, '.gitattributes')) },
          { path: '.gitignore', content: `${INCOMING}/\n${SAMPLES}/\n*.studio-tmp\n` },
        ],
      });
    })();
    return this.#ready;
  }

  /** A fresh file name in the library's scratch folder, for an upload to stream into. */
  async incomingPath(): Promise<string> {
    await this.ready();
    return join(this.root, INCOMING, randomBytes(12).toString('hex'));
  }

  samplesDir(taskId: string): string {
    return join(this.root, SAMPLES, taskId);
  }

  dir(id: string): string {
    if (!AssetId.safeParse(id).success) throw new AssetNotFoundError(`no asset '${String(id).slice(0, 80)}'`, { id: String(id).slice(0, 80) });
    return join(this.root, id);
  }

  /** An asset-relative file path, checked to stay inside the asset's folder. */
  filePath(id: string, rel: string): string {
    const dir = this.dir(id);
    const full = resolve(dir, rel);
    if (!full.startsWith(dir + sep) || !/^(images|thumbs|versions)\/[A-Za-z0-9_.-]+$/.test(rel))
      throw new InvalidRequestError('not a file of this asset', { path: rel.slice(0, 200) });
    return full;
  }

  async get(id: string): Promise<AssetManifest> {
    const text = await readFile(join(this.dir(id), 'asset.json'), 'utf8').catch(() => null);
    if (text === null) throw new AssetNotFoundError(`no asset '${id}'`, { id });
    // Older formats are upgraded on load; the file is written in the current one at its next change.
    return AssetManifest.parse(
      migrateFile(migrateAsset, JSON.parse(text), join(this.dir(id), 'asset.json'), (message, data) => new StudioError(message, data)),
    );
  }

  async list(): Promise<AssetManifest[]> {
    await this.ready();
    const entries = await readdir(this.root, { withFileTypes: true });
    const assets = await Promise.all(
      entries.filter((e) => e.isDirectory() && AssetId.safeParse(e.name).success).map((e) => this.get(e.name).catch(() => null)),
    );
    return assets.filter((a): a is AssetManifest => a !== null).sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** asset.json as a change of the library repository's next commit. */
  #manifest(asset: AssetManifest): FileChange {
    this.dir(asset.id);
    return { path: `${asset.id}/asset.json`, content: `${JSON.stringify(asset, null, 2)}\n` };
  }

  /** The library is a repository of its own: every write is a commit through it, in its git queue. */
  #run<T>(op: (held: HeldRepository) => Promise<T>): Promise<T> {
    return this.ready().then(() => openProjectRepository({ id: this.#queueKey, dir: this.root, queue: this.queue }).exclusive(op));
  }

  async #checkTrigger(trigger: string, except?: string): Promise<void> {
    const clash = (await this.list()).find((a) => a.id !== except && a.trigger_word.toLowerCase() === trigger.toLowerCase());
    if (clash) throw new TriggerWordTakenError(`the trigger word '${trigger}' is already used by ${clash.name}`, { trigger_word: trigger, asset: clash.id });
  }

  create({ name, kind, trigger_word, description }: { name: string; kind: AssetKind; trigger_word: string; description?: string }): Promise<AssetManifest> {
    return this.#run(async (held) => {
      await this.#checkTrigger(trigger_word);
      const id = `ast-${randomBytes(8).toString('hex').slice(0, 10)}`;
      const asset: AssetManifest = {
        format: ASSET_FORMAT,
        id,
        name,
        kind,
        trigger_word,
        description: description ?? '',
        cover: null,
        images: [],
        versions: [],
        next_version: 1,
        created_at: new Date().toISOString(),
      };
      await held.commit({ actor: undefined, message: `Asset ${name} (${kind}, trigger word ${trigger_word}) created`, files: [this.#manifest(asset)] });
      await mkdir(join(this.root, id, 'images'), { recursive: true });
      return asset;
    });
  }

  update(id: string, changes: { name?: string; trigger_word?: string; description?: string; cover?: string | null }): Promise<AssetManifest> {
    return this.#run(async (held) => {
      const asset = await this.get(id);
      if (changes.trigger_word && changes.trigger_word !== asset.trigger_word) {
        await this.#checkTrigger(changes.trigger_word, id);
        // Captions carry the trigger word: they follow it.
        const old = new RegExp(`\\b${asset.trigger_word}\\b`, 'g');
        for (const image of asset.images) image.caption = image.caption.replace(old, changes.trigger_word);
      }
      if (changes.cover !== undefined && changes.cover !== null && !asset.images.some((i) => i.id === changes.cover))
        throw new InvalidRequestError(`no image ${changes.cover} in this asset`, { cover: changes.cover });
      const next = { ...asset, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) } as AssetManifest;
      await held.commit({ actor: undefined, message: `Asset ${next.name} edited (${Object.keys(changes).join(', ')})`, files: [this.#manifest(next)] });
      return next;
    });
  }

  remove(id: string): Promise<void> {
    return this.#run(async (held) => {
      const asset = await this.get(id);
      this.dir(id);
      await held.commit({ actor: undefined, message: `Asset ${asset.name} deleted`, files: [{ path: id, delete: true }] });
    });
  }

  /**
   * Adds checked images (already probed, in the scratch folder): the same bytes twice are kept once;
   * near-duplicates (perceptual hash within NEAR_DUPLICATE_BITS) are kept and reported.
   */
  addImages(id: string, files: Array<{ temp: string; originalName: string; probe: ProbedImage }>) {
    return this.#run(async (held) => {
      const asset = await this.get(id);
      this.dir(id);
      const added: AssetImage[] = [];
      const existing: AssetImage[] = [];
      const changes: FileChange[] = [];
      // Thumbnails are made beside the uploads (the library's scratch folder), then moved in with them.
      const thumbs = new Map<string, string>();
      try {
        for (const f of files) {
          const same = asset.images.find((i) => i.sha256 === f.probe.sha256);
          if (same) {
            existing.push(same);
            continue;
          }
          const imageId = f.probe.sha256.slice(0, 16);
          const file = `images/${imageId}.${f.probe.ext}`;
          const image: AssetImage = {
            id: imageId,
            file,
            sha256: f.probe.sha256,
            phash: f.probe.phash,
            width: f.probe.width,
            height: f.probe.height,
            caption: `photo of ${asset.trigger_word}`,
            excluded: false,
            original_name: f.originalName.slice(0, 200),
          };
          asset.images.push(image);
          added.push(image);
          thumbs.set(image.id, `${f.temp}.thumb.webp`);
          changes.push({ path: `${id}/${file}`, from: f.temp }, { path: `${id}/thumbs/${imageId}.webp`, from: thumbs.get(image.id)! });
        }
        const uploads = new Map(files.map((f) => [f.probe.sha256.slice(0, 16), f.temp]));
        await inParallel(added, async (image) => {
          const upload = uploads.get(image.id)!;
          await writeThumbnail(upload, thumbs.get(image.id)!);
          // A saving for later training runs, not part of the import: a failure only costs a decode then.
          await storeDraftPixels(this.root, image.sha256, upload).catch(() => undefined);
        });
        asset.cover ??= asset.images[0]?.id ?? null;
        if (added.length)
          await held.commit({
            actor: undefined,
            message: `Asset ${asset.name}: ${added.length} reference image${added.length === 1 ? '' : 's'} added`,
            files: [this.#manifest(asset), ...changes],
          });
      } finally {
        for (const f of files) await rm(f.temp, { force: true });
        for (const thumb of thumbs.values()) await rm(thumb, { force: true });
      }
      return { asset, added, existing, near_duplicates: nearDuplicates(asset.images, added) };
    });
  }

  removeImage(id: string, imageId: string) {
    return this.#run(async (held) => {
      const asset = await this.get(id);
      const image = asset.images.find((i) => i.id === imageId);
      if (!image) throw new AssetNotFoundError(`no image ${imageId.slice(0, 40)} in asset ${asset.name}`, { image: imageId.slice(0, 40) });
      asset.images = asset.images.filter((i) => i !== image);
      if (asset.cover === imageId) asset.cover = asset.images[0]?.id ?? null;
      await held.commit({
        actor: undefined,
        message: `Asset ${asset.name}: image ${image.original_name} removed`,
        files: [this.#manifest(asset), { path: `${id}/${image.file}`, delete: true }, { path: `${id}/thumbs/${image.id}.webp`, delete: true }],
      });
      return asset;
    });
  }

  setCaptions(id: string, captions: Record<string, { caption?: string; excluded?: boolean }>) {
    return this.#run(async (held) => {
      const asset = await this.get(id);
      for (const imageId of Object.keys(captions))
        if (!asset.images.some((i) => i.id === imageId))
          throw new InvalidRequestError(`no image ${imageId.slice(0, 40)} in this asset`, { image: imageId.slice(0, 40) });
      for (const image of asset.images) {
        const change = captions[image.id];
        if (!change) continue;
        if (change.caption !== undefined) image.caption = change.caption;
        if (change.excluded !== undefined) image.excluded = change.excluded;
      }
      await held.commit({
        actor: undefined,
        message: `Asset ${asset.name}: ${Object.keys(captions).length} caption${Object.keys(captions).length === 1 ? '' : 's'} edited`,
        files: [this.#manifest(asset)],
      });
      return asset;
    });
  }

  /**
   * Adds a trained LoRA as the asset's next version, once per training task (a task that ran twice,
   * or whose hand-over was retried, still makes one version). Numbers are never reused.
   */
  addVersion(
    id: string,
    {
      taskId,
      base,
      make,
      sidecar,
    }: { taskId: string; base: TrainingBase; make: (name: string) => Buffer; sidecar: (version: LoraVersion) => Record<string, unknown> },
  ) {
    return this.#run(async (held) => {
      const asset = await this.get(id);
      const done = asset.versions.find((v) => v.task_id === taskId);
      if (done) return done;
      const number = asset.next_version;
      const name = `${versionBaseName(asset.name)}_v${String(number).padStart(2, '0')}`;
      const lora = make(name);
      const version: LoraVersion = {
        version: number,
        name,
        path: `versions/${name}.safetensors`,
        sidecar: `versions/${name}.json`,
        sha256: createHash('sha256').update(lora).digest('hex'),
        base,
        task_id: taskId,
        created_at: new Date().toISOString(),
      };
      // A version file is never overwritten.
      for (const path of [version.path, version.sidecar])
        if (await held.exists(`${id}/${path}`))
          throw new StudioError(`${id}/${path} already exists: a LoRA version is never replaced`, { path: `${id}/${path}` });
      asset.versions.push(version);
      asset.next_version = number + 1;
      await held.commit({
        actor: undefined,
        message: `Asset ${asset.name}: LoRA ${name} trained (${base}, task ${taskId})`,
        files: [
          this.#manifest(asset),
          { path: `${id}/${version.path}`, content: lora },
          { path: `${id}/${version.sidecar}`, content: `${JSON.stringify(sidecar(version), null, 2)}\n` },
        ],
      });
      return version;
    });
  }

  /** Hard-links (or copies) a library file to a place on the same disk, e.g. into a project. */
  async exportFile(id: string, rel: string, target: string): Promise<void> {
    const source = this.filePath(id, rel);
    await link(source, target).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return;
      await copyFile(source, target);
    });
  }
}

export function nearDuplicates(images: AssetImage[], among: AssetImage[] = images): NearDuplicate[] {
  const found: NearDuplicate[] = [];
  for (const image of among)
    for (const other of images) {
      if (other.id === image.id) continue;
      if (among.includes(other) && among.indexOf(other) > among.indexOf(image)) continue;
      const distance = hammingDistance(image.phash, other.phash);
      if (distance <= NEAR_DUPLICATE_BITS) found.push({ image: image.id, of: other.id, distance });
    }
  return found;
}
