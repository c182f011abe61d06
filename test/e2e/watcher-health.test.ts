// Watcher health end to end: rewrites that keep their mtime, a real inotify limit, SIGHUP reloads. The
// built CLI as a real process, real file-system events, the emulator over HTTP.
import { execFileSync, spawn } from 'node:child_process';
import { readFile, rename, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLI,
  eventually,
  expectedMirror,
  makeSandbox,
  mirrorOf,
  runCli,
  sha256,
  startDaemonProcess,
  uploads,
  writeTree,
  type DaemonProcess,
  type Sandbox,
} from './harness.js';

/** A whole second, so restoring it restores mtimeMs exactly (Date-based utimes would lose the nanoseconds). */
const OLD_TIME = 1_700_000_000;

/** What `cp -p` does to an existing file: new bytes in place (same inode), times put back. */
async function rewriteInPlaceKeepingTimes(file: string, content: string): Promise<void> {
  await writeFile(file, content);
  await utimes(file, OLD_TIME, OLD_TIME);
}

/** What `rsync -t` does: new bytes in a temp file with the old times, renamed over the original (new inode). */
async function rewriteByRenameKeepingTimes(file: string, content: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  await writeFile(temp, content);
  await utimes(temp, OLD_TIME, OLD_TIME);
  await rename(temp, file);
}

const storedSha = (box: Sandbox, name: string, kb = 'handbook') => box.emulator.documents(kb).find((d) => d.name === name)?.sha256;

describe('watcher health (v1-0.27)', () => {
  let box: Sandbox;
  let daemon: DaemonProcess | undefined;
  afterEach(async () => {
    if (daemon && daemon.child.exitCode === null) await daemon.stop('SIGKILL');
    daemon = undefined;
    await box.cleanup();
  });

  it('--sync catches content rewritten with the same size and a preserved mtime (cp -p in place, rsync -t by rename)', async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    await writeTree(box.docs, { 'in-place.md': 'version one\n', 'renamed.md': 'version one\n', 'untouched.md': 'same\n' });
    for (const rel of ['in-place.md', 'renamed.md']) await utimes(path.join(box.docs, rel), OLD_TIME, OLD_TIME);
    const sync = () => runCli(['--config', box.configFile, '--sync']);
    expect((await sync()).code).toBe(0);

    const before = await stat(path.join(box.docs, 'in-place.md'));
    await rewriteInPlaceKeepingTimes(path.join(box.docs, 'in-place.md'), 'version two\n');
    await rewriteByRenameKeepingTimes(path.join(box.docs, 'renamed.md'), 'version two\n');
    const after = await stat(path.join(box.docs, 'in-place.md'));
    // The hard case really is set up: size and mtime are what they were; only ctime (and for rsync the inode) moved.
    expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);
    expect(after.ctimeMs).not.toBe(before.ctimeMs);

    box.emulator.clearRequests();
    const result = await sync();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(uploads(box.emulator).flatMap((u) => u.fileNames).sort()).toEqual(['in-place.md', 'renamed.md']);
    expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs));
    expect(storedSha(box, 'in-place.md')).toBe(sha256('version two\n'));
  });

  it("the daemon's periodic rescan catches a rewrite with a preserved mtime, with no watcher event to help", async () => {
    // A quiet window far longer than the test: any watcher hint would be examined too late to matter.
    box = await makeSandbox({ profile: 'v1-0.27', config: { daemon: { quietWindowMs: 120_000, rescanIntervalMinutes: 0.03, drainTimeoutSeconds: 5 } } });
    await writeTree(box.docs, { 'notes.md': 'first text\n' });
    await utimes(path.join(box.docs, 'notes.md'), OLD_TIME, OLD_TIME);
    daemon = startDaemonProcess(box.configFile);
    await daemon.waitForLog(/"msg":"watching"/);
    expect(storedSha(box, 'notes.md')).toBe(sha256('first text\n'));

    await rewriteInPlaceKeepingTimes(path.join(box.docs, 'notes.md'), 'later text\n');
    const took = await eventually(() => expect(storedSha(box, 'notes.md')).toBe(sha256('later text\n')), 10_000);
    expect(took).toBeLessThan(6000); // within a rescan period (1.8 s) or two
    expect((await daemon.stop()).code).toBe(0);
    expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs));
  });

  it('SIGHUP reloads the configuration (a folder and an exclude added) without losing a change still in its quiet window', async () => {
    box = await makeSandbox({ profile: 'v1-0.27', config: { daemon: { quietWindowMs: 1500, rescanIntervalMinutes: 60, drainTimeoutSeconds: 5 } } });
    box.emulator.createKb('second');
    await writeTree(box.docs, { 'a.md': 'alpha\n' });
    await writeTree(path.join(box.dir, 'second'), { 's.md': 'second folder\n' });
    daemon = startDaemonProcess(box.configFile);
    await daemon.waitForLog(/"msg":"watching"/);

    // A change the old daemon has seen but not yet acted on, then the new configuration, then SIGHUP at once.
    await writeTree(box.docs, { 'pending.md': 'written just before the reload\n', 'drafts/wip.md': 'excluded by the new configuration\n' });
    const config = JSON.parse(await readFile(box.configFile, 'utf8')) as { folders: Array<Record<string, unknown>> };
    config.folders[0] = { ...config.folders[0], exclude: ['drafts/**'] };
    config.folders.push({ path: 'second', kb: 'second' });
    await writeFile(box.configFile, JSON.stringify(config, null, 2));
    daemon.child.kill('SIGHUP');
    await daemon.waitForLog(/"msg":"configuration reloaded"/);

    await eventually(() => {
      expect(storedSha(box, 'pending.md')).toBe(sha256('written just before the reload\n'));
      expect(storedSha(box, 's.md', 'second')).toBe(sha256('second folder\n'));
    }, 10_000);
    expect(storedSha(box, 'drafts/wip.md')).toBeUndefined();
    // The reloaded daemon watches the new folder too.
    await writeTree(path.join(box.dir, 'second'), { 't.md': 'added after the reload\n' });
    await eventually(() => expect(storedSha(box, 't.md', 'second')).toBe(sha256('added after the reload\n')), 10_000);

    // A broken file on SIGHUP keeps the running configuration.
    await writeFile(box.configFile, '{ "server": ');
    daemon.child.kill('SIGHUP');
    await daemon.waitForLog(/SIGHUP: the configuration is invalid; keeping the running one/);
    await writeTree(box.docs, { 'still.md': 'still mirrored\n' });
    await eventually(() => expect(storedSha(box, 'still.md')).toBe(sha256('still mirrored\n')), 10_000);
    expect((await daemon.stop()).code).toBe(0);
    expect(box.emulator.documents('handbook').filter((d) => !d.seeded).map((d) => d.name).sort()).toEqual(['a.md', 'pending.md', 'still.md']);
  });
});

/** Whether a user namespace with a lowered inotify watch limit can be made here (dependency-notes §1.3). */
function canLowerInotifyLimit(): boolean {
  try {
    execFileSync('unshare', ['-U', '-r', 'sh', '-c', 'echo 20 > /proc/sys/user/max_inotify_watches'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const lowerable = canLowerInotifyLimit();
if (!lowerable) console.warn('watcher-health: no user namespace with a settable max_inotify_watches here; the real-ENOSPC test is skipped (test/sync/daemon-watch-health.test.ts covers the daemon side)');

describe.skipIf(!lowerable)('a real inotify limit (v1-0.27)', () => {
  let box: Sandbox;
  let stopDaemon: (() => Promise<number | null>) | undefined;
  afterEach(async () => {
    await stopDaemon?.();
    stopDaemon = undefined;
    await box.cleanup();
  });

  it('in a user namespace allowed 20 watches, 40 folders: one line on raising the limit, and files in unwatched folders still arrive by rescans', async () => {
    box = await makeSandbox({ profile: 'v1-0.27', config: { daemon: { quietWindowMs: 200, rescanIntervalMinutes: 0.03, drainTimeoutSeconds: 5 } } });
    const tree: Record<string, string> = {};
    for (let i = 0; i < 40; i += 1) tree[`d${String(i).padStart(2, '0')}/f.md`] = `file ${i}\n`;
    await writeTree(box.docs, tree);

    const child = spawn('unshare', ['-U', '-r', 'sh', '-c', 'echo 20 > /proc/sys/user/max_inotify_watches && exec "$0" "$@"', process.execPath, CLI, '--config', box.configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    stopDaemon = async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    };
    await eventually(() => expect(out).toContain('"msg":"watching"'), 15_000);
    const limitLines = out.split('\n').filter((l) => l.includes('fs.inotify.max_user_watches'));
    expect(limitLines).toHaveLength(1);
    expect(limitLines[0]).toContain('"code":"ENOSPC"');
    expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs));

    // New files in every folder, most of which have no watch: the rescans (every 1.8 s) bring them all.
    const later: Record<string, string> = {};
    for (let i = 0; i < 40; i += 1) later[`d${String(i).padStart(2, '0')}/g.md`] = `later ${i}\n`;
    await writeTree(box.docs, later);
    await eventually(() => {
      for (const [rel, content] of Object.entries(later)) expect(storedSha(box, rel), rel).toBe(sha256(content));
    }, 10_000);
    expect(out.split('\n').filter((l) => l.includes('fs.inotify.max_user_watches'))).toHaveLength(1);
    expect(await stopDaemon()).toBe(0);
    stopDaemon = undefined;
  });
});
