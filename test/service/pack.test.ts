// The README's install path: `npm pack` (its prepack builds), `npm install -g` of the tarball into a temp
// prefix (offline, from the npm cache that `npm ci` filled), then the installed `ragflow-sync --version`
// and `--sync --dry-run` against the emulator. The project is copied first, so building it for the
// tarball never rewrites the dist/ that other tests are running.
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
const NPM_ENV = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
const KEY = 'ragflow-pack-test-key-0123456789abcdef';

function runBin(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm pack → npm install -g → the installed ragflow-sync', () => {
  let dir: string;
  let bin: string;
  let installed: string;
  let emulator: Emulator;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ragflow-sync-pack-'));
    const project = path.join(dir, 'project');
    await mkdir(project);
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[]; name: string };
    for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'scripts', ...pkg.files.filter((f) => f !== 'dist/')]) {
      if (existsSync(path.join(ROOT, entry))) await cp(path.join(ROOT, entry), path.join(project, entry), { recursive: true });
    }
    await symlink(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir');
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: project, env: NPM_ENV, maxBuffer: 16 * 1024 * 1024 });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    if (!info) throw new Error(`npm pack said nothing usable:\n${packed.stdout}\n${packed.stderr}`);
    const tarball = path.join(dir, info.filename);
    const prefix = path.join(dir, 'prefix');
    try {
      await run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { cwd: dir, env: NPM_ENV });
    } catch (err) {
      throw new Error(`offline install of the tarball failed; its dependencies must be in the npm cache (run npm ci first): ${String((err as { stderr?: string }).stderr ?? err)}`);
    }
    bin = path.join(prefix, 'bin', 'ragflow-sync');
    installed = path.join(prefix, 'lib', 'node_modules', pkg.name);
    emulator = await startEmulator({ profile: 'v1-0.27', apiKey: KEY, kbs: ['handbook'] });
  }, 180_000);

  afterAll(async () => {
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs the bin with what the README points to, and no tests or sources', async () => {
    expect(existsSync(bin)).toBe(true);
    for (const file of ['dist/cli.js', 'config.example.json', 'config.schema.json', 'systemd/ragflow-sync.service', 'package.json']) {
      expect(existsSync(path.join(installed, file)), file).toBe(true);
    }
    const top = await readdir(installed);
    expect(top).not.toContain('src');
    expect(top).not.toContain('test');
    expect(top).not.toContain('test-output');
  });

  it('runs `ragflow-sync --version`', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await runBin(bin, ['--version']);
    expect(result).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('runs `--sync --dry-run` against the emulator: prints the plan, changes nothing', async () => {
    const work = path.join(dir, 'work');
    await mkdir(path.join(work, 'docs', 'sub'), { recursive: true });
    await writeFile(path.join(work, 'docs', 'a.md'), 'alpha\n');
    await writeFile(path.join(work, 'docs', 'sub', 'b.md'), 'bravo\n');
    const config = path.join(work, 'config.json');
    await writeFile(config, JSON.stringify({ $schema: path.join(installed, 'config.schema.json'), server: { url: emulator.url }, folders: [{ path: 'docs', kb: 'handbook' }] }));
    emulator.clearRequests();
    const result = await runBin(bin, ['--config', config, '--sync', '--dry-run'], { RAGFLOW_API_KEY: KEY });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${path.join(work, 'docs')} → handbook`);
    expect(result.stdout).toContain('+ a.md');
    expect(result.stdout).toContain('+ sub/b.md');
    expect(result.stdout).toContain('2 to upload or replace, 0 to delete');
    expect(emulator.documents('handbook')).toEqual([]);
    expect(emulator.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(existsSync(path.join(work, 'state.json'))).toBe(false);
  });
});
