import { join } from 'node:path';
import { REPO_ROOT } from '../config.ts';

/** The test-double pipelines (test-noop, test-slow, ...): add to PIPELINES_PATH to install them. */
export const TEST_PIPELINES = join(REPO_ROOT, 'engine/src/testing/pipelines');
