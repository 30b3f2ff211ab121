import type { GenerateJobData } from '../jobs/job-types.ts';
import type { RepositoryReader } from '../projects/repository/project-repository.ts';
import type { AssetLibrary } from './asset-library.ts';
import { AssetNotFoundError } from './asset-errors.ts';
import { assetSnapshot } from './asset-snapshot.ts';
import { PROJECT_ASSETS_DIR, parseProjectAssetImage } from '../projects/asset-paths.ts';
import type { ProjectCopy } from './project-copy.ts';
import { requestFingerprint } from '../jobs/generation-request.ts';

/**
 * A library asset's image feeding a Shot's image socket (buildGenerationRequest names it by its
 * project path, 01_Assets/Generative_Assets/<asset>/images/<id>.<ext>): the image must be copied
 * there from the workspace Library, with the asset's manifest, so the project stays self-contained
 * and the take's inputs name a file of the project. This checks the image is still in the Library
 * (refusing before anything is queued) and plans the copy; it is committed once the generation is
 * accepted (project-copy.ts), and only the first time. The asset is named in the request's params.
 */
export async function planAssetImages({
  data,
  library,
  project,
}: {
  data: GenerateJobData;
  library: AssetLibrary;
  project: RepositoryReader;
}): Promise<{ data: GenerateJobData; copies: ProjectCopy[] }> {
  const copies: ProjectCopy[] = [];
  const params: Record<string, unknown> = {};
  for (const [input, path] of Object.entries(data.inputs)) {
    const wanted = parseProjectAssetImage(path);
    if (!wanted) continue;
    const { assetId, image } = wanted;
    params[`input_${input}_asset`] = assetId;
    if (await project.exists(path)) continue;
    const asset = await library.get(assetId);
    const entry = asset.images.find((i) => i.file === image);
    if (!entry)
      throw new AssetNotFoundError(`${asset.name} has no image ${image.slice(7, 40)} any more: choose another of its images`, {
        asset: assetId,
        image: image.slice(0, 80),
      });
    if (copies.some((c) => c.marker === path)) continue;
    copies.push({
      marker: path,
      message: `Asset ${asset.name}: image ${entry.original_name || entry.id} added to the project`,
      files: [
        { path, library: { assetId, rel: image } },
        { path: `${PROJECT_ASSETS_DIR}/${assetId}/asset.json`, content: assetSnapshot(asset) },
      ],
    });
  }
  if (!Object.keys(params).length) return { data, copies };
  const next = { ...data, params: { ...data.params, ...params } };
  return { data: { ...next, fingerprint: requestFingerprint(next) }, copies };
}
