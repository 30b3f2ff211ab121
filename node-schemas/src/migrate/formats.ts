import { defineFormat, migrate, type JsonObject } from './migrate.ts';

/** project.json. 1: `format` added; the settings older files left to defaults are written out. */
export const PROJECT_FORMAT = 1;
export const projectFormat = defineFormat({
  kind: 'project.json',
  current: PROJECT_FORMAT,
  steps: [
    (doc) => {
      const settings = (typeof doc.project_settings === 'object' && doc.project_settings !== null ? doc.project_settings : {}) as JsonObject;
      return {
        ...doc,
        description: doc.description ?? '',
        project_settings: { ...settings, hardware_policy: settings.hardware_policy ?? 'queue', frame_rate: settings.frame_rate ?? '24' },
      };
    },
  ],
});

/** main_canvas.json. 1: `format` added. */
export const CANVAS_FORMAT = 1;
export const canvasFormat = defineFormat({ kind: 'main_canvas.json', current: CANVAS_FORMAT, steps: [(doc) => doc] });

/** A take's provenance sidecar (`SHOT-010_v01_take03.json`). 1: `format` added. */
export const TAKE_SIDECAR_FORMAT = 1;
export const takeSidecarFormat = defineFormat({ kind: 'take sidecar', current: TAKE_SIDECAR_FORMAT, steps: [(doc) => doc] });

/** `{format: "<tag>", format_version: n}`, how the asset files first spelled their version, is version n. */
function tagged(tag: string) {
  return (doc: JsonObject) => {
    if (doc.format !== tag || typeof doc.format_version !== 'number') return null;
    const { format: _tag, format_version: version, ...rest } = doc;
    return { version: version as number, doc: rest };
  };
}

/** Library/Generative_Assets/<id>/asset.json. 1: the first; older files spell it `format: "studio-asset", format_version: 1`. */
export const ASSET_FORMAT = 1;
export const assetFormat = defineFormat({ kind: 'asset.json', current: ASSET_FORMAT, steps: [(doc) => doc], legacy: tagged('studio-asset') });

/** A LoRA version's provenance sidecar (`versions/<ASSET>_vNN.json`). 1: the first; older files spell it `format: "studio-lora-provenance", format_version: 1`. */
export const LORA_SIDECAR_FORMAT = 1;
export const loraSidecarFormat = defineFormat({
  kind: 'LoRA sidecar',
  current: LORA_SIDECAR_FORMAT,
  steps: [(doc) => doc],
  legacy: tagged('studio-lora-provenance'),
});

export const migrateProject = (raw: unknown) => migrate(projectFormat, raw).doc;
export const migrateCanvas = (raw: unknown) => migrate(canvasFormat, raw).doc;
export const migrateTakeSidecar = (raw: unknown) => migrate(takeSidecarFormat, raw).doc;
export const migrateAsset = (raw: unknown) => migrate(assetFormat, raw).doc;
export const migrateLoraSidecar = (raw: unknown) => migrate(loraSidecarFormat, raw).doc;
