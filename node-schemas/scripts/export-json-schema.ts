// Writes JSON Schema files for tools that do not speak TypeScript.
import { writeFileSync, mkdirSync } from 'node:fs';
import { jsonSchemas } from '../src/json-schema.ts';

const dir = new URL('../json-schema/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const [name, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(new URL(`${name}.schema.json`, dir), JSON.stringify(schema, null, 2) + '\n');
  console.log(`wrote node-schemas/json-schema/${name}.schema.json`);
}
