// Writes JSON Schema files for tools that do not speak TypeScript.
import { writeFileSync, mkdirSync } from 'node:fs';
import { jsonSchemas } from '../src/json-schema.ts';

const dir = new URL('../json-schema/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const [name, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(new URL(`${name}.schema.json`, dir), JSON.stringify(schema, null, 2) + '\n');
  console.log(`wrote node-schemas/json-schema/${name}.schema.json`);
}
// The pipelines check request.json against this contract inside their images, whose build context
// is pipelines/: they get their own copy (pipelines/_lib/contract.py reads it; a test keeps it identical).
const pipelinesCopy = new URL('../../pipelines/_lib/pipeline-request.schema.json', import.meta.url);
writeFileSync(pipelinesCopy, JSON.stringify(jsonSchemas()['pipeline-request'], null, 2) + '\n');
console.log('wrote pipelines/_lib/pipeline-request.schema.json');
