// Standalone RAGFlow emulator: `npm run emulator -- --profile v1-0.27 --port 9380 --api-key KEY
// [--kb NAME ...] [--parse-ms N]`. Prints its URL on one line; stops cleanly on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { isProfileName, PROFILES } from './profiles.js';
import { startEmulator } from './emulator.js';

function fail(message: string): never {
  console.error(`ragflow-emulator: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'v1-0.27' },
    port: { type: 'string', default: '9380' },
    'api-key': { type: 'string' },
    kb: { type: 'string', multiple: true, default: [] },
    'parse-ms': { type: 'string', default: '30' },
    'storage-dir': { type: 'string' },
  },
  strict: true,
});

const profile = values.profile;
if (!isProfileName(profile)) fail(`unknown --profile ${profile} (have: ${PROFILES.join(', ')})`);
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got ${values.port}`);
const apiKey = values['api-key'];
if (!apiKey) fail('--api-key is required');
const parseMs = Number(values['parse-ms']);
if (!Number.isFinite(parseMs) || parseMs < 0) fail(`--parse-ms must be a number ≥ 0, got ${values['parse-ms']}`);

const emulator = await startEmulator({
  profile,
  apiKey,
  port,
  kbs: values.kb,
  datasetAdmin: true,
  parse: { mode: 'auto', durationMs: parseMs },
  ...(values['storage-dir'] ? { storageDir: values['storage-dir'] } : {}),
});
console.log(`RAGFlow emulator (${profile}) listening on ${emulator.url}`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
