// The per-directory watcher on real folders: which hints it gives for files and folders being added,
// changed, removed and moved, that filtered-out paths give none, and that a watch the kernel refuses
// (out of inotify watches) is reported with its code while the rest keeps working.
import { watch as fsWatch } from 'node:fs';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchDirectories, type DirectoryWatchOptions } from '../../src/adapters/directory-watcher.js';
import { createPathFilter } from '../../src/core/path-filter.js';
import type { ChangeHint, FolderWatcher, WatchErrorInfo } from '../../src/sync/watch-port.js';
import { makeTempDir } from './temp-dir.js';

describe('watchDirectories', () => {
  let watcher: FolderWatcher | undefined;
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
  });

  async function start(root: string, extra: Partial<DirectoryWatchOptions> = {}) {
    const hints: ChangeHint[] = [];
    const errors: WatchErrorInfo[] = [];
    watcher = await watchDirectories(root, {
      rules: createPathFilter({ exclude: ['drafts/**'] }),
      onHint: (hint) => hints.push(hint),
      onError: (error) => errors.push(error),
      ...extra,
    });
    const saw = (relPath: string, kind: ChangeHint['kind'] = 'file') => hints.some((h) => h.relPath === relPath && h.kind === kind);
    return { hints, errors, saw };
  }

  it('hints added, changed and removed files, in the root and in existing subfolders', async () => {
    const root = makeTempDir();
    await mkdir(path.join(root, 'a/b'), { recursive: true });
    await writeFile(path.join(root, 'a/b/old.md'), 'old\n');
    const { saw } = await start(root);
    await writeFile(path.join(root, 'top.md'), 'top\n');
    await writeFile(path.join(root, 'a/b/new.md'), 'new\n');
    await writeFile(path.join(root, 'a/b/old.md'), 'changed\n');
    await expect.poll(() => saw('top.md') && saw('a/b/new.md') && saw('a/b/old.md')).toBe(true);
    await rm(path.join(root, 'a/b/new.md'));
    await expect.poll(() => saw('a/b/new.md') && saw('a/b/old.md')).toBe(true);
  });

  it('a new folder is hinted as a folder and watched from then on', async () => {
    const root = makeTempDir();
    const { saw, hints } = await start(root);
    await mkdir(path.join(root, 'fresh/deep'), { recursive: true });
    await expect.poll(() => saw('fresh', 'dir')).toBe(true);
    await expect.poll(async () => {
      // The deep folder's watch is placed a moment after its parent's event: write until it is seen.
      await writeFile(path.join(root, 'fresh/deep/late.md'), `late ${hints.length}\n`);
      return saw('fresh/deep/late.md');
    }).toBe(true);
  });

  it('a renamed folder gives a folder hint for both names; its files are then seen under the new name only', async () => {
    const root = makeTempDir();
    await mkdir(path.join(root, 'before'));
    await writeFile(path.join(root, 'before/f.md'), 'f\n');
    const { saw, hints } = await start(root);
    await rename(path.join(root, 'before'), path.join(root, 'after'));
    await expect.poll(() => saw('before', 'dir') && saw('after', 'dir')).toBe(true);
    hints.length = 0;
    await writeFile(path.join(root, 'after/f.md'), 'changed\n');
    await expect.poll(() => saw('after/f.md')).toBe(true);
    expect(hints.some((h) => h.relPath.startsWith('before/'))).toBe(false);
  });

  it('gives no hint for excluded paths and does not follow a symlinked folder', async () => {
    const root = makeTempDir();
    const outside = makeTempDir();
    await mkdir(path.join(root, 'drafts'));
    await symlink(outside, path.join(root, 'link'));
    const { hints, saw } = await start(root);
    await writeFile(path.join(root, 'drafts/wip.md'), 'wip\n');
    await writeFile(path.join(outside, 'elsewhere.md'), 'x\n');
    await writeFile(path.join(root, 'marker.md'), 'm\n'); // events arrive in order: once this is seen, so were the others
    await expect.poll(() => saw('marker.md')).toBe(true);
    expect(hints.map((h) => h.relPath)).not.toContain('drafts/wip.md');
    expect(hints.some((h) => h.relPath.startsWith('link/'))).toBe(false);
  });

  it('reports a refused watch below the root with its code (ENOSPC) and keeps watching the rest', async () => {
    const root = makeTempDir();
    await mkdir(path.join(root, 'full'));
    const refuse: DirectoryWatchOptions['watchDirectory'] = (dir, listener) => {
      if (dir.endsWith('/full')) throw Object.assign(new Error(`ENOSPC: System limit for number of file watchers reached, watch '${dir}'`), { code: 'ENOSPC' });
      return fsWatch(dir, { persistent: true, encoding: 'utf8' }, listener);
    };
    const { errors, saw } = await start(root, { watchDirectory: refuse });
    expect(errors).toEqual([expect.objectContaining({ code: 'ENOSPC' })]);
    await writeFile(path.join(root, 'still.md'), 'still watched\n');
    await expect.poll(() => saw('still.md')).toBe(true);
  });

  it('throws when the root is missing, and stops hinting once closed', async () => {
    const root = makeTempDir();
    await expect(watchDirectories(path.join(root, 'nope'), { rules: createPathFilter({}), onHint: () => undefined, onError: () => undefined })).rejects.toMatchObject({ code: 'ENOENT' });
    const { hints } = await start(root);
    await watcher?.close();
    await writeFile(path.join(root, 'after-close.md'), 'x\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hints).toEqual([]);
  });
});
