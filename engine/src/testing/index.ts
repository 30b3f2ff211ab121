// The engine's testing entry point (`@studio/engine/testing`): what tests outside engine/ (the
// web app's end-to-end tests, benchmarks) use to start engines and workers and to make fixtures.
export { REPO_ROOT } from '../config.ts';
export { createProject } from '../projects/create-project.ts';
export { workspaceAt } from '../projects/workspace.ts';
export { createAsset, referenceImage, uploadImages } from './asset-fixture.ts';
export { isCI } from './ci.ts';
export { dockerForTests, ensureDockerDaemon, ensurePipelineImages } from './docker-env.ts';
export { generate, projectWithShot, waitForTask } from './project-fixture.ts';
export { approveScenes, reopenScenes } from './review-fixture.ts';
export { runEngineToExit, spawnEngine, type SpawnedEngine } from './spawn-engine.ts';
export { spawnWorker } from './spawn-worker.ts';
export { TEST_PIPELINES } from './test-pipelines.ts';
export { testSettings } from './test-settings.ts';
