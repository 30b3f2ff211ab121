import { loadSettings, type Settings } from '../settings/index.ts';

/**
 * Settings for an engine a test builds in-process: the defaults, with this process's PATH and HOME
 * (tools are found as the shell finds them), and what the test gives. Never the rest of the
 * environment: a test states the settings it depends on.
 */
export function testSettings(env: Record<string, string> = {}): Settings {
  return loadSettings({ PATH: process.env.PATH, HOME: process.env.HOME, ...env });
}
