// `npm run demo`: the tool working without a RAGFlow server. Starts the RAGFlow emulator on loopback, runs
// the daemon (the built dist/cli.js) on demo/sample-docs, and prints the knowledge base whenever it changes.
// `npm run demo -- --once` runs a single --sync instead and exits (used by CI to keep the demo honest).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../test/emulator/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const once = process.argv.includes('--once');
const cli = path.join(root, 'dist/cli.js');
if (!existsSync(cli)) {
  console.log('building dist/ first (npm run build)…');
  await run(['npm', 'run', 'build'], root);
}

const apiKey = 'ragflow-demo-key';
const kb = 'demo-handbook';
const emulator = await startEmulator({ profile: 'v1-0.27', apiKey, kbs: [kb], parse: { durationMs: 500 } });
const work = await mkdtemp(path.join(tmpdir(), 'ragflow-sync-demo-'));
const configFile = path.join(work, 'config.json');
const sampleDocs = path.join(root, 'demo/sample-docs');
await writeFile(
  configFile,
  JSON.stringify({ server: { url: emulator.url, apiKey, api: 'auto' }, stateFile: path.join(work, 'state.json'), folders: [{ path: sampleDocs, kb }] }, null, 2),
);
console.log(`RAGFlow emulator (v1-0.27) on ${emulator.url}, knowledge base "${kb}"`);
console.log(`config: ${configFile}\nwatching: ${sampleDocs}\n`);

let last = '';
function showKb(): void {
  const docs = emulator.documents(kb);
  const text = docs.map((d) => `  ${d.run.padEnd(8)} ${String(d.size).padStart(6)} B  ${d.name}`).join('\n');
  if (text === last) return;
  last = text;
  console.log(`\n── knowledge base "${kb}": ${docs.length} document(s) ──\n${text}\n`);
}

if (once) {
  const code = await run([process.execPath, cli, '--config', configFile, '--sync'], root);
  await new Promise((r) => setTimeout(r, 700));
  showKb();
  await emulator.close();
  process.exit(code);
}

const daemon = spawn(process.execPath, [cli, '--config', configFile], { stdio: 'inherit' });
const timer = setInterval(showKb, 500);
console.log('Edit files in demo/sample-docs (add, change, rename, delete); press Ctrl-C to stop.\n');
const stop = () => {
  clearInterval(timer);
  daemon.kill('SIGTERM');
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
daemon.on('close', (code) => {
  void emulator.close().then(() => process.exit(code ?? 0));
});

function run(argv: string[], cwd: string): Promise<number> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, { cwd, stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? 1));
  });
}
