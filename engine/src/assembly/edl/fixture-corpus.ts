import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The corpus of real NLE lists beside the checkout (`../shared/fixtures/edl/`, see docs/edl-rules.md#reading-lists). */
export const EDL_FIXTURE_DIR = new URL('../../../../../shared/fixtures/edl/', import.meta.url);

/** Why the corpus cannot be read here, or null when it is there. */
export function missingEdlFixtures(dir: URL = EDL_FIXTURE_DIR): string | null {
  const path = fileURLToPath(dir);
  return existsSync(new URL('SOURCES.md', dir))
    ? null
    : `the EDL fixture corpus is not at ${path} (a checkout of the studio with ../shared/fixtures/edl beside it)`;
}
