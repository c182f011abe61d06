// chokidar → ChangeHint. Events are only hints: they mark paths for re-examination, never upload by
// themselves, so a missed or doubled event costs latency, never correctness (Syncthing's rule).
import path from 'node:path';
import type { Stats } from 'node:fs';
import { watch, type FSWatcher } from 'chokidar';
import type { PathRules } from '../sync/ports.js';
import type { ChangeHint, FolderWatcher, WatchErrorInfo } from '../sync/watch-port.js';

export interface WatchOptions {
  readonly rules: PathRules;
  readonly usePolling: boolean;
  readonly onHint: (hint: ChangeHint) => void;
  readonly onError: (error: WatchErrorInfo) => void;
}

export async function watchFolder(root: string, options: WatchOptions): Promise<FolderWatcher> {
  const toRel = (abs: string) => path.relative(root, abs).split(path.sep).join('/');
  const ignored = (abs: string, stats?: Stats): boolean => {
    const rel = toRel(abs);
    if (rel === '' || rel.startsWith('..')) return false;
    if (stats?.isDirectory()) return !options.rules.mayContain(rel);
    if (stats?.isFile()) return !options.rules.includesFile(rel);
    // No stats yet (chokidar asks twice): ignore only what could be neither an included file nor a parent of one.
    return !options.rules.includesFile(rel) && !options.rules.mayContain(rel);
  };
  const watcher: FSWatcher = watch(root, {
    persistent: true,
    ignoreInitial: true,
    followSymlinks: false,
    atomic: true,
    usePolling: options.usePolling,
    ...(options.usePolling ? { interval: 2000, binaryInterval: 3000 } : {}),
    ignored,
  });
  watcher.on('all', (event, abs) => {
    const relPath = toRel(abs);
    switch (event) {
      case 'add':
      case 'change':
      case 'unlink':
        options.onHint({ relPath, kind: 'file' });
        break;
      case 'addDir':
      case 'unlinkDir':
        options.onHint({ relPath, kind: 'dir' });
        break;
    }
  });
  watcher.on('error', (err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    options.onError({ ...(code ? { code } : {}), message: err instanceof Error ? err.message : String(err) });
  });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { close: () => watcher.close() };
}
