// `npm start` without tsx: the engine bundle (engine-bundle.ts) loaded by Node itself, with no
// TypeScript loader in the way of the ~760 package files it requires (about 0.5 s of CPU a start).
// When the bundle is not current (a source changed), tsx is registered to build it, or to run the
// sources when it cannot be built.
import { createRequire } from 'node:module';
import { currentBundle } from './current-bundle.mjs';

// Stack traces name the source files, not the bundle's lines.
process.setSourceMapsEnabled(true);
const bundle = currentBundle();
if (bundle) createRequire(import.meta.url)(bundle).runEngine();
else {
  const { register } = await import('tsx/esm/api');
  register();
  const { loadEngine } = await import('./engine-bundle.ts');
  (await loadEngine()).runEngine();
}
