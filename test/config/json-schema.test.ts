// The committed JSON Schema must be the one generated from the zod schema the program validates with.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderConfigJsonSchema } from '../../src/config/json-schema.js';
import { loadConfig } from '../../src/config/load-config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('config.schema.json', () => {
  it('is current (regenerate with `npm run schema`)', () => {
    expect(readFileSync(path.join(root, 'config.schema.json'), 'utf8')).toBe(renderConfigJsonSchema());
  });

  it('config.example.json points to it and is a valid configuration', () => {
    const example = JSON.parse(readFileSync(path.join(root, 'config.example.json'), 'utf8'));
    expect(example.$schema).toBe('./config.schema.json');
    const config = loadConfig(path.join(root, 'config.example.json'), { env: { RAGFLOW_API_KEY: 'ragflow-x' } });
    expect(config.folders.map((f) => f.kb)).toEqual(['handbook', 'finance']);
  });
});
