import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fileTypeFromFile } from 'file-type';
import {
  AssetId,
  CaptionsBody,
  CreateAssetBody,
  PatchAssetBody,
  TrainBody,
  type ApiErrorBody,
  type AssetList,
  type AssetManifest,
  type AssetView,
  type ErrorCode,
  type PresetList,
  type UploadAnswer,
} from '@studio/node-schemas';
import { StudioError } from '../../errors.ts';
import { parseRequest } from '../../parse-request.ts';
import { nearDuplicates } from '../../assets/asset-library.ts';
import { UnsupportedMediaError } from '../../assets/asset-errors.ts';
import { probeImage } from '../../assets/image-probe.ts';
import { TRAINING_BASES } from '../../assets/presets.ts';
import { receiveFiles, type ReceivedFile } from '../../assets/receive-upload.ts';
import { unpackZip } from '../../assets/zip-entries.ts';
import { inParallel } from '../../assets/in-parallel.ts';
import type { EngineContext } from '../context.ts';
import { actorOf } from '../../auth/request-actor.ts';

class NoAssetLibraryError extends StudioError {
  override readonly code = 'NO_ASSET_LIBRARY';
  override readonly status = 503;
}

const MAX_FILES = 1000;

const TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  tif: 'image/tiff',
  avif: 'image/avif',
  safetensors: 'application/octet-stream',
  json: 'application/json',
};

/** What the page shows of an asset: the manifest with URLs for its files. */
function view(asset: AssetManifest): AssetView {
  const base = `/api/v1/assets/${asset.id}/files`;
  return {
    ...asset,
    cover_url: asset.cover ? `${base}/thumbs/${asset.cover}.webp` : null,
    images: asset.images.map((i) => ({ ...i, url: `${base}/${i.file}`, thumb_url: `${base}/thumbs/${i.id}.webp` })),
    versions: asset.versions.map((v) => ({ ...v, url: `${base}/${v.path}`, sidecar_url: `${base}/${v.sidecar}` })),
    near_duplicates: nearDuplicates(asset.images.filter((i) => !i.excluded)),
  };
}

/**
 * The Asset Manager's API (issue 11 section 2): the library's assets, their reference images
 * (multipart, any number of files or zips), captions, presets and training.
 */
export async function assetRoutes(app: FastifyInstance, ctx: EngineContext) {
  const assets = () => {
    if (!ctx.assets) throw new NoAssetLibraryError('this engine runs no asset library');
    return ctx.assets;
  };
  // The requester's tenant's library: another tenant's assets answer exactly as missing ones.
  const libraryOf = (request: FastifyRequest) => assets().libraryOf(actorOf(request).tenant);
  const idOf = (params: unknown) => {
    const id = (params as { id: string }).id;
    if (!AssetId.safeParse(id).success) return assets().library.dir(id); // throws AssetNotFoundError
    return id;
  };
  /** The asset a route names, in the requester's library: checked before anything else, so another tenant's (or a missing one) is 404 ASSET_NOT_FOUND whatever the body. */
  const ownAsset = async (request: FastifyRequest) => {
    const id = idOf(request.params);
    const library = libraryOf(request);
    return { id, library, asset: await library.get(id) };
  };

  await app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: ctx.settings.maxImageUpload, files: MAX_FILES } });

    scope.get('/api/v1/assets', async (request): Promise<AssetList> => ({ assets: (await libraryOf(request).list()).map(view) }));

    scope.get('/api/v1/assets/presets', async (): Promise<PresetList> => ({
      bases: TRAINING_BASES.map((b) => ({ id: b.id, label: b.label, pipeline: b.pipeline, presets: b.presets })),
    }));

    scope.post('/api/v1/assets', async (request, reply) => {
      const body = parseRequest(CreateAssetBody, request.body ?? {});
      return reply.status(201).send(view(await libraryOf(request).create(body)));
    });

    scope.get('/api/v1/assets/:id', async (request) => {
      return view((await ownAsset(request)).asset);
    });

    scope.patch('/api/v1/assets/:id', async (request) => {
      const { id, library } = await ownAsset(request);
      return view(await library.update(id, parseRequest(PatchAssetBody, request.body ?? {})));
    });

    scope.delete('/api/v1/assets/:id', async (request, reply) => {
      const { id, library } = await ownAsset(request);
      await library.remove(id);
      return reply.status(204).send();
    });

    scope.post('/api/v1/assets/:id/images', async (request, reply) => {
      const { id, library } = await ownAsset(request);
      // Everything this request writes goes in one scratch folder, removed whatever happens.
      const scratchDir = await library.incomingPath();
      await mkdir(scratchDir);
      let n = 0;
      const nextTemp = async () => join(scratchDir, String(n++));
      let answer: { status: number; body: UploadAnswer | ApiErrorBody };
      try {
        answer = await addUploaded(request, id, nextTemp);
      } finally {
        // Before answering: once the client has its answer, nothing of the upload is left over.
        await rm(scratchDir, { recursive: true, force: true });
      }
      return reply.status(answer.status).send(answer.body);
    });

    const addUploaded = async (
      request: FastifyRequest,
      id: string,
      nextTemp: () => Promise<string>,
    ): Promise<{ status: number; body: UploadAnswer | ApiErrorBody }> => {
      const library = libraryOf(request);
      const received = await receiveFiles(request, nextTemp, { maxBytes: ctx.settings.maxImageUpload, maxFiles: MAX_FILES });
      const accepted: Array<{ temp: string; originalName: string; probe: Awaited<ReturnType<typeof probeImage>> }> = [];
      const refused: Array<{ file: string; code: ErrorCode; error: string }> = [];
      const scratch: ReceivedFile[] = [...received];
      try {
        const candidates: ReceivedFile[] = [];
        for (const file of received) {
          const type = file.size ? await fileTypeFromFile(file.temp) : undefined;
          if (type?.mime === 'application/zip') {
            try {
              const inner = await unpackZip(file.temp, nextTemp);
              scratch.push(...inner);
              candidates.push(...inner);
            } catch (error) {
              refused.push({ file: file.originalName, code: (error as StudioError).code ?? 'ZIP_REFUSED', error: (error as Error).message });
            }
          } else candidates.push(file);
        }
        const probed = await inParallel(candidates, (file) =>
          probeImage(file.temp, file.originalName).then(
            (probe) => ({ probe }),
            (error: unknown) => ({ error }),
          ),
        );
        probed.forEach((outcome, i) => {
          const file = candidates[i]!;
          if ('probe' in outcome) return void accepted.push({ temp: file.temp, originalName: file.originalName, probe: outcome.probe });
          if (!(outcome.error instanceof StudioError)) throw outcome.error;
          refused.push({ file: file.originalName, code: outcome.error.code, error: outcome.error.message });
        });
        if (!accepted.length) {
          const first = refused[0];
          const status = refused.every((r) => r.code === 'UNSUPPORTED_MEDIA') ? 415 : refused.every((r) => r.code === 'EMPTY_UPLOAD') ? 400 : 422;
          return {
            status,
            body: { error: first ? `no image was added: ${first.error}` : 'no image in the upload', code: first?.code ?? 'NO_IMAGES', refused },
          };
        }
        const result = await library.addImages(id, accepted);
        return {
          status: result.added.length ? 201 : 200,
          body: {
            asset: view(result.asset),
            added: result.added.map((i) => i.id),
            existing: result.existing.map((i) => i.id),
            refused,
            near_duplicates: result.near_duplicates,
          },
        };
      } finally {
        for (const f of scratch) await rm(f.temp, { force: true });
      }
    };

    scope.delete('/api/v1/assets/:id/images/:image', async (request) => {
      const { image } = request.params as { image: string };
      const { id, library } = await ownAsset(request);
      return view(await library.removeImage(id, image));
    });

    scope.put('/api/v1/assets/:id/captions', async (request) => {
      const { id, library } = await ownAsset(request);
      return view(await library.setCaptions(id, parseRequest(CaptionsBody, request.body ?? {}).captions));
    });

    scope.post('/api/v1/assets/:id/train', async (request, reply) => {
      // Only an asset of the requester's own library can be trained.
      const { id } = await ownAsset(request);
      const body = parseRequest(TrainBody, request.body ?? {});
      const submitted = await assets()
        .training()
        .submit({
          assetId: id,
          base: body.base,
          preset: body.preset,
          params: body.params,
          idempotencyKey: body.idempotency_key,
          resumeFrom: body.resume_from,
          stepDelayS: ctx.settings.trainStepDelayS,
          tenant: actorOf(request).tenant,
        });
      return reply.status(202).send(submitted);
    });

    scope.get('/api/v1/assets/:id/files/*', async (request, reply) => {
      const { id, library } = await ownAsset(request);
      const rel = (request.params as { '*': string })['*'] ?? '';
      const path = library.filePath(id, rel);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) return reply.status(404).send({ error: `no file ${rel.slice(0, 200)}`, code: 'FILE_NOT_FOUND' } satisfies ApiErrorBody);
      const ext = rel.split('.').pop()!.toLowerCase();
      return reply
        .header('content-type', TYPES[ext] ?? 'application/octet-stream')
        .header('content-length', info.size)
        .header('cache-control', 'private, max-age=3600')
        .send(createReadStream(path));
    });

    scope.get('/api/v1/assets/:id/samples/:task/:file', async (request, reply) => {
      const { library } = await ownAsset(request);
      const { task, file } = request.params as { task: string; file: string };
      if (!/^train-[A-Za-z0-9_-]{8,80}$/.test(task) || !/^step_\d{6}\.png$/.test(file)) throw new UnsupportedMediaError('not a training sample');
      const path = join(library.samplesDir(task), file);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) return reply.status(404).send({ error: 'no such sample', code: 'FILE_NOT_FOUND' } satisfies ApiErrorBody);
      return reply.header('content-type', 'image/png').header('content-length', info.size).send(createReadStream(path));
    });
  });
}
