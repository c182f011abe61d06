// The daemon's watcher: one inotify watch per directory normally; chokidar's polling for network file
// systems (daemon.usePolling), where inotify sees no changes made by other machines.
import type { PathRules } from '../sync/ports.js';
import type { ChangeHint, FolderWatcher, WatchErrorInfo } from '../sync/watch-port.js';
import { watchFolder as watchByPolling } from './chokidar-watcher.js';
import { watchDirectories } from './directory-watcher.js';

export interface FolderWatchOptions {
  readonly rules: PathRules;
  readonly usePolling: boolean;
  readonly onHint: (hint: ChangeHint) => void;
  readonly onError: (error: WatchErrorInfo) => void;
}

export function watchFolder(root: string, options: FolderWatchOptions): Promise<FolderWatcher> {
  return options.usePolling ? watchByPolling(root, options) : watchDirectories(root, options);
}
