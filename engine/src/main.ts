// `npm start`: the engine from its bundle (engine-bundle.ts), so a start does not compile ~380 files.
import { loadEngine } from './server/engine-bundle.ts';

(await loadEngine()).runEngine();
