// What the daemon needs from a file-system watcher (implemented with chokidar in src/adapters/).
import type { RelPath } from '../core/model.js';

/** A path worth looking at again: a file, or a directory whose whole subtree is in question. */
export interface ChangeHint {
  readonly relPath: RelPath;
  readonly kind: 'file' | 'dir';
}

export interface WatchErrorInfo {
  readonly code?: string;
  readonly message: string;
}

export interface FolderWatcher {
  close(): Promise<void>;
}
