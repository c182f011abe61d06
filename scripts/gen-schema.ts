// `npm run schema`: writes config.schema.json from the zod schema (a test fails when it is stale).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigJsonSchema } from '../src/config/json-schema.js';

const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../config.schema.json');
writeFileSync(target, renderConfigJsonSchema());
console.log(`wrote ${target}`);
