// Bad input end to end: the built CLI on a real temp folder full of awkward files, against the emulator.
// Each awkward file gets one clear log line and a status entry, and never holds up the other files.
import { execFileSync, spawn } from 'node:child_process';
import { chmod, chown, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { constants, openSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProfileName } from '../emulator/index.js';
import { docNameFor } from '../../src/core/doc-name.js';
import {
  CLI,
  eventually,
  expectedMirror,
  makeSandbox,
  mirrorOf,
  readStateJson,
  runCli,
  sha256,
  startDaemonProcess,
  until,
  uploads,
  writeTree,
  type CliResult,
  type DaemonProcess,
  type Sandbox,
} from './harness.js';

/** Awkward but valid names: each must be mirrored under a name the server keeps exactly. */
const NAMES: Record<string, string> = {
  'plain.md': 'plain\n',
  'with spaces/a file name.md': 'spaces\n',
  'quo"te.md': 'a double quote\n',
  "it's.txt": 'an apostrophe\n',
  '100% sure.md': 'a percent sign\n',
  '%41%22.md': 'percent escapes that must not be decoded\n',
  '#hash.md': 'a hash\n',
  'new\nline.txt': 'a newline\n',
  'back\\slash.txt': 'a backslash\n',
  'tab\there.md': 'a tab\n',
  'semi;colon=x.md': 'header-ish characters\n',
  'Ünïcödé 中文 😀.md': 'any Unicode\n',
  'empty.txt': '',
  // Paths over 255 UTF-8 bytes (each component stays under the file system's 255-byte limit).
  [`${'a'.repeat(120)}/${'b'.repeat(120)}/${'c'.repeat(100)}.md`]: 'a long ASCII path\n',
  [`${'é'.repeat(100)}/${'ü'.repeat(100)}.txt`]: 'a long two-byte path\n',
};

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly path?: string;
  readonly reason?: string;
  readonly code?: string;
  readonly err?: string;
}

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Log lines that are about this path (by the `path` field, the way the engine logs files). */
function linesAbout(output: string, relPath: string): LogLine[] {
  return logLines(output).filter((line) => line.path === relPath);
}

interface StatusJson {
  folders: Array<{ failed: Array<{ path: string; error: string; permanent: boolean }>; skipped: Array<{ path: string; reason: string }>; pending: number; tracked: number }>;
}

async function statusOf(box: Sandbox): Promise<{ json: StatusJson; text: string }> {
  const [json, text] = await Promise.all([runCli(['--config', box.configFile, 'status', '--json']), runCli(['--config', box.configFile, 'status'])]);
  return { json: JSON.parse(json.stdout) as StatusJson, text: text.stdout };
}

/** Only the --json form (one process fewer where the table is not looked at). */
async function statusJson(box: Sandbox): Promise<StatusJson> {
  return JSON.parse((await runCli(['--config', box.configFile, 'status', '--json'])).stdout) as StatusJson;
}

/** A unix socket bound inside the folder (kept open while the test runs). */
async function bindSocket(file: string): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, resolve);
  });
  return server;
}

/** mknod needs CAP_MKNOD, which containers may withhold: then the device case is left out, saying so. */
function makeCharDevice(file: string): boolean {
  try {
    execFileSync('mknod', [file, 'c', '1', '3'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn(`bad-input: mknod not permitted here; the device-file case is not exercised (${file})`);
    return false;
  }
}

const PROFILES: ProfileName[] = ['v1-0.27', 'legacy-0.19'];

for (const profile of PROFILES) {
  describe(`bad input against ${profile}`, () => {
    let box: Sandbox;
    let socket: Server | undefined;
    beforeEach(async () => {
      box = await makeSandbox({ profile, folder: { maxFileSizeMB: 0.001 } });
    });
    afterEach(async () => {
      await new Promise((r) => (socket ? socket.close(r) : r(undefined)));
      socket = undefined;
      await box.cleanup();
    });

    const sync = () => runCli(['--config', box.configFile, '--sync']);

    it('awkward names, a 0-byte file, an oversize file, a refused type, FIFO, socket, device and symlinks: one log line and a status entry each, the rest mirrored in the same run', async () => {
      await writeTree(box.docs, NAMES);
      await writeTree(box.docs, { 'big.txt': Buffer.alloc(2000, 7), 'prog.exe': 'MZ not really a program\n' });
      execFileSync('mkfifo', [path.join(box.docs, 'pipe.md')]);
      socket = await bindSocket(path.join(box.docs, 'sock.md'));
      const device = makeCharDevice(path.join(box.docs, 'device.md'));
      const outside = path.join(box.dir, 'outside');
      await writeTree(outside, { 'secret.md': 'outside the folder\n' });
      await symlink('plain.md', path.join(box.docs, 'link-to-file.md'));
      await symlink(outside, path.join(box.docs, 'link-to-outside'));
      await symlink('.', path.join(box.docs, 'loop'));
      await symlink('nowhere.md', path.join(box.docs, 'dangling.md'));

      const refusesExe = profile.startsWith('v1'); // the legacy API accepts any type (§3.1)
      const first = await sync();
      expect(first.code, first.stdout + first.stderr).toBe(refusesExe ? 1 : 0);

      // Everything mirrorable is mirrored, under the name asked for, in this very run.
      const mirrorable = (rel: string) => rel !== 'big.txt' && !(refusesExe && rel === 'prog.exe');
      expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs, mirrorable));
      const names = box.emulator.documents('handbook').map((d) => d.name);
      for (const rel of Object.keys(NAMES)) expect(names).toContain(docNameFor(rel));
      expect(names).toContain('quo_te~' + sha256('quo"te.md').slice(0, 8) + '.md');
      expect(names).toContain('%41%22.md'.replace('%22', '_').replace(/\.md$/, `~${sha256('%41%22.md').slice(0, 8)}.md`));
      expect(names.every((n) => Buffer.byteLength(n) <= 255)).toBe(true);
      expect(names.filter((n) => n.includes('~'))).toHaveLength(7); // 5 made safe + 2 shortened
      expect(names.some((n) => n.includes('secret'))).toBe(false); // the link out of the folder is not followed

      // One clear line per skipped file, naming why.
      const skipped: Array<[string, string]> = [
        ['big.txt', 'too-large'],
        ['pipe.md', 'not-regular'],
        ['sock.md', 'not-regular'],
        ...(device ? ([['device.md', 'not-regular']] as Array<[string, string]>) : []),
        ['link-to-file.md', 'symlink'],
        ['link-to-outside', 'symlink'],
        ['loop', 'symlink'],
        ['dangling.md', 'symlink'],
      ];
      for (const [rel, reason] of skipped) {
        const lines = linesAbout(first.stdout, rel);
        expect(lines, rel).toHaveLength(1);
        expect(lines[0]?.reason).toBe(reason);
        expect(lines[0]?.msg).toMatch(/^file skipped: /);
      }
      if (refusesExe) {
        const refused = linesAbout(first.stdout, 'prog.exe');
        expect(refused.length).toBeGreaterThanOrEqual(1);
        expect(refused[0]?.err).toContain('This type of file has not been supported yet!');
      }

      // status shows every one of them; --json for scripts.
      const { json, text } = await statusOf(box);
      const folder = json.folders[0]!;
      expect(folder.skipped.map((s) => [s.path, s.reason]).sort()).toEqual(skipped.sort());
      expect(folder.failed.map((f) => f.path)).toEqual(refusesExe ? ['prog.exe'] : []);
      if (refusesExe) expect(folder.failed[0]?.permanent).toBe(true);
      expect(folder.pending).toBe(0);
      expect(text).toContain(`skipped ${skipped.length}`);
      expect(text).toContain('- big.txt: skipped, larger than maxFileSizeMB');
      expect(text).toContain('- pipe.md: skipped, not a regular file');
      expect(text).toContain('- loop: skipped, symbolic link; not followed');

      // The next run sends nothing and says nothing more about them (not one line per reconcile forever).
      box.emulator.clearRequests();
      const second = await sync();
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(uploads(box.emulator)).toEqual([]);
      for (const rel of [...skipped.map(([r]) => r), 'prog.exe']) expect(linesAbout(second.stdout, rel), rel).toEqual([]);
      expect((await statusJson(box)).folders[0]?.skipped).toHaveLength(skipped.length);

      // Fixed files are picked up and leave the status.
      await writeFile(path.join(box.docs, 'big.txt'), 'small now\n');
      await rm(path.join(box.docs, 'pipe.md'));
      const third = await sync();
      expect(third.code, third.stdout + third.stderr).toBe(0);
      expect(box.emulator.documents('handbook').map((d) => d.name)).toContain('big.txt');
      const after = (await statusJson(box)).folders[0]!;
      expect(after.skipped.map((s) => s.path)).not.toContain('big.txt');
      expect(after.skipped.map((s) => s.path)).not.toContain('pipe.md');
      expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs, (rel) => !(refusesExe && rel === 'prog.exe')));
    });
  });
}

describe('bad input: files that move under the tool (v1-0.27)', () => {
  let box: Sandbox;
  afterEach(async () => box.cleanup());

  it('a file deleted after the scan, while its upload waits for its turn: one log line, no document, no leftover state', async () => {
    box = await makeSandbox({ profile: 'v1-0.27', config: { rateLimit: { requestsPerSecond: 50, concurrency: 1 } } });
    await writeTree(box.docs, { 'first.md': 'first\n', 'second.md': 'second\n' });
    // The first upload is stored at once but answered late; the second waits for the only request slot.
    box.emulator.addFault({ method: 'POST', path: /\/documents$/, action: { type: 'latency', ms: 1500 } });
    const running = runCli(['--config', box.configFile, '--sync']);
    await eventually(() => expect(uploads(box.emulator).some((u) => u.fileNames.length > 0)).toBe(true), 10_000);
    const sentFirst = uploads(box.emulator).find((u) => u.fileNames.length > 0)!.fileNames[0]!;
    const other = sentFirst === 'first.md' ? 'second.md' : 'first.md';
    await rm(path.join(box.docs, other));
    const result = await running;

    expect(result.code, result.stdout + result.stderr).toBe(0);
    const lines = linesAbout(result.stdout, other);
    expect(lines.map((l) => l.msg)).toEqual(['file vanished before it could be uploaded; skipped']);
    expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs));
    const state = await readStateJson(box.stateFile);
    expect(Object.keys(Object.values(state.folders)[0]!.files)).toEqual([sentFirst]);
    const status = (await statusJson(box)).folders[0]!;
    expect([status.pending, status.failed.length]).toEqual([0, 0]);
  });

  it('a file rewritten while it is being sent (NotReadableError) is sent again once it settles, with the settled bytes', async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    const file = path.join(box.docs, 'growing.txt');
    await writeFile(file, Buffer.alloc(64 * 1024 * 1024, 'x')); // long enough to be mid-body when rewritten
    const running = runCli(['--config', box.configFile, '--sync']);
    // Polled every 2 ms: the request is logged when its headers arrive, while 64 MB of body are still to come.
    await until(() => uploads(box.emulator).length === 1, 'the upload started', 20_000, 2);
    // The body is streaming: rewrite the file a few times, then leave it alone.
    for (let i = 0; i < 10; i += 1) {
      await writeFile(file, `version ${i}\n`);
      await new Promise((r) => setTimeout(r, 30));
    }
    await writeFile(file, 'settled content\n');
    const result = await running;

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(logLines(result.stdout).some((l) => l.path === 'growing.txt' && l.msg === 'file changed while it was being uploaded; uploading it again once it settles')).toBe(true);
    expect(uploads(box.emulator).length).toBeGreaterThanOrEqual(2);
    expect(await mirrorOf(box)).toEqual(new Map([['growing.txt', sha256('settled content\n')]]));
    // The state remembers the settled bytes: the next run has nothing to do.
    box.emulator.clearRequests();
    expect((await runCli(['--config', box.configFile, '--sync'])).code).toBe(0);
    expect(uploads(box.emulator)).toEqual([]);
  });
});

/**
 * How to run the CLI where file permissions bite: directly when not root, else as `nobody` through
 * setpriv (root reads every file whatever its mode). undefined when neither is possible.
 */
function unprivilegedRunner(): { uid: number; gid: number; command: (args: readonly string[]) => [string, string[]] } | undefined {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? uid, command: (args) => [process.execPath, [CLI, ...args]] };
  try {
    execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return {
    uid: 65534,
    gid: 65534,
    command: (args) => ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, ...args]],
  };
}

function runAs(runner: NonNullable<ReturnType<typeof unprivilegedRunner>>, args: readonly string[]): Promise<CliResult> {
  const [command, argv] = runner.command(args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function chownTree(root: string, uid: number, gid: number): Promise<void> {
  execFileSync('chown', ['-R', `${uid}:${gid}`, root]);
  await chown(root, uid, gid);
}

const runner = unprivilegedRunner();
describe.skipIf(runner === undefined)('bad input: unreadable files and folders (v1-0.27, run without root)', () => {
  let box: Sandbox;
  afterEach(async () => {
    execFileSync('chmod', ['-R', 'u+rwX', box.dir]);
    await box.cleanup();
  });

  it('an unreadable file is skipped with one line and a status entry; a tracked one that becomes unreadable keeps its document', async () => {
    const as = runner!;
    box = await makeSandbox({ profile: 'v1-0.27' });
    await writeTree(box.docs, { 'open.md': 'open\n', 'later-locked.md': 'readable at first\n', 'dir/inner.md': 'inside\n' });
    await chownTree(box.dir, as.uid, as.gid);
    const sync = () => runAs(as, ['--config', box.configFile, '--sync']);
    expect((await sync()).code).toBe(0);
    expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs));
    const before = await mirrorOf(box);

    await writeTree(box.docs, { 'new-locked.md': 'never readable\n', 'new-open.md': 'fine\n' });
    await chownTree(box.dir, as.uid, as.gid);
    await chmod(path.join(box.docs, 'new-locked.md'), 0o000);
    await chmod(path.join(box.docs, 'later-locked.md'), 0o000);
    await chmod(path.join(box.docs, 'dir'), 0o000);
    const second = await sync();
    expect(second.code, second.stdout + second.stderr).toBe(0);

    // The readable new file went up in the same run; nothing that could not be seen was deleted.
    const mirror = await mirrorOf(box);
    expect(mirror.get('new-open.md')).toBe(sha256('fine\n'));
    expect(mirror.has('new-locked.md')).toBe(false);
    for (const kept of ['later-locked.md', 'dir/inner.md']) expect(mirror.get(kept), kept).toBe(before.get(kept));
    for (const [rel, reason] of [['new-locked.md', 'unreadable'], ['later-locked.md', 'unreadable'], ['dir', 'unreadable-dir']] as const) {
      const lines = linesAbout(second.stdout, rel);
      expect(lines, rel).toHaveLength(1);
      expect(lines[0]).toMatchObject({ reason, code: 'EACCES' });
    }
    const status = await statusOf(box);
    expect(status.json.folders[0]?.skipped).toEqual([
      { path: 'dir', reason: 'unreadable-dir' },
      { path: 'later-locked.md', reason: 'unreadable' },
      { path: 'new-locked.md', reason: 'unreadable' },
    ]);
    expect(status.text).toContain('- new-locked.md: skipped, cannot be read');

    // Said once: the next run is quiet about them.
    const third = await sync();
    for (const rel of ['new-locked.md', 'later-locked.md', 'dir']) expect(linesAbout(third.stdout, rel), rel).toEqual([]);

    // Readable again: uploaded, and gone from the status.
    for (const rel of ['new-locked.md', 'later-locked.md']) await chmod(path.join(box.docs, rel), 0o644);
    await chmod(path.join(box.docs, 'dir'), 0o755);
    expect((await sync()).code).toBe(0);
    expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs));
    expect((await statusJson(box)).folders[0]?.skipped).toEqual([]);
  });
});
if (runner === undefined) {
  console.warn('bad-input: running as root without setpriv, so file permissions cannot be made to bite; the unreadable-file e2e test is skipped');
}

describe('bad input while the daemon watches (v1-0.27)', () => {
  let box: Sandbox;
  let daemon: DaemonProcess | undefined;
  afterEach(async () => {
    if (daemon && daemon.child.exitCode === null) await daemon.stop('SIGKILL');
    daemon = undefined;
    await box.cleanup();
  });

  it('a FIFO, a symlink loop and an oversize file appearing while watching: no hang, each logged once across periodic rescans, later files still mirrored', async () => {
    box = await makeSandbox({ profile: 'v1-0.27', folder: { maxFileSizeMB: 0.001 }, config: { daemon: { quietWindowMs: 200, rescanIntervalMinutes: 0.02, drainTimeoutSeconds: 5 } } });
    await writeTree(box.docs, { 'a.md': 'alpha\n' });
    daemon = startDaemonProcess(box.configFile);
    await daemon.waitForLog(/"msg":"watching"/);

    const fifo = path.join(box.docs, 'pipe.md');
    execFileSync('mkfifo', [fifo]);
    await symlink('.', path.join(box.docs, 'loop'));
    await mkdir(path.join(box.docs, 'sub'));
    await writeFile(path.join(box.docs, 'sub/huge.md'), Buffer.alloc(4096, 'h'));
    await writeTree(box.docs, { 'after.md': 'written after the awkward ones\n' });
    await eventually(async () => expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs, (rel) => rel !== 'sub/huge.md')), 10_000);

    // Several full rescans (every 1.2 s) later, each awkward file was still reported exactly once.
    const listings = () => box.emulator.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/documents')).length;
    const seen = listings();
    await eventually(() => expect(listings()).toBeGreaterThanOrEqual(seen + 3), 15_000);
    for (const [rel, reason] of [['pipe.md', 'not-regular'], ['loop', 'symlink'], ['sub/huge.md', 'too-large']] as const) {
      const lines = linesAbout(daemon.output(), rel);
      expect(lines, rel).toHaveLength(1);
      expect(lines[0]?.reason).toBe(reason);
    }
    // Nobody holds the FIFO open (opening its write end without a reader fails with ENXIO).
    expect(() => openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)).toThrow(/ENXIO/);
    expect((await daemon.stop()).code).toBe(0);
    expect((await statusJson(box)).folders[0]?.skipped.map((s) => s.path)).toEqual(['loop', 'pipe.md', 'sub/huge.md']);
  });
});
