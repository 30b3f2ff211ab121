import { gitAt } from '../git.ts';
import { RENDERS_DIR } from '../layout.ts';
import { ensureThumbnail } from './thumbnail.ts';

const PICTURES = ['png', 'jpg', 'jpeg', 'webp', 'mp4', 'mov', 'webm'];
const TAKE_FILE = new RegExp(`_v\\d+_take\\d+\\.(${PICTURES.join('|')})$`, 'i');

/**
 * The newest image or video take of a project, as a thumbnail path (for the dashboard), or null.
 * Asks git for the last commit that added a picture take rather than walking every render folder:
 * one process per project however many takes it holds.
 */
export async function latestTakeThumbnail(projectDir: string): Promise<string | null> {
  const added = await gitAt(projectDir)
    .raw(['log', '-1', '--diff-filter=A', '--name-only', '--format=', '--', ...PICTURES.map((ext) => `:(glob,icase)${RENDERS_DIR}/**/*.${ext}`)])
    .catch(() => '');
  const take = added
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => TAKE_FILE.test(line))
    .pop();
  return take ? ensureThumbnail(projectDir, take).catch(() => null) : null;
}
