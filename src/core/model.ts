// The engine's own vocabulary for files on disk and what the state file remembers about them.

/** Paths inside a folder are POSIX-style, relative to the folder root, never starting with "./" or "/". */
export type RelPath = string;

/** What a stat tells us; enough to decide whether a file must be read again. */
export interface Fingerprint {
  readonly size: number;
  readonly mtimeMs: number;
  /** ctime cannot be set from user space: it catches `cp -p` / `rsync -t` rewrites with a preserved mtime. */
  readonly ctimeMs: number;
  readonly ino: number;
}

/** A regular file found on disk by a scan. */
export interface LocalFile extends Fingerprint {
  readonly relPath: RelPath;
  readonly absPath: string;
  /** SHA-256 hex; filled in by the engine only when the fingerprint moved (or the file is new). */
  readonly sha256?: string;
}

/** An operation that was started but whose outcome the state does not know yet.
 *  Recorded (and flushed) before the request, so a crash leaves a trace to reconcile. */
export type Intent =
  | { readonly kind: 'upload'; readonly name: string; readonly sha256: string; readonly startedAt: number }
  | { readonly kind: 'delete'; readonly docIds: readonly string[]; readonly startedAt: number };

export type TrackedStatus =
  | 'synced' //  the server confirmed the document holding these bytes
  | 'pending' // an upload intent is recorded and not yet confirmed (a first upload, or a crash left it)
  | 'failed'; // the last attempt failed; see `permanent`

/** One state-file entry: a local path and the document the tool created for it. */
export interface TrackedFile extends Fingerprint {
  readonly relPath: RelPath;
  /** The server's document id; absent while a first upload has not been confirmed. */
  readonly docId?: string;
  /** The name the server gave the document (it may differ from the requested one: `a(1).txt`). */
  readonly docName?: string;
  readonly sha256: string;
  readonly status: TrackedStatus;
  readonly lastError?: string;
  /** The last failure cannot succeed by retrying the same bytes (unsupported type, name too long, too
   *  large): the file is not tried again until it changes. Otherwise it is retried on the next reconcile. */
  readonly permanent?: boolean;
  /** SHA-256 of the bytes whose upload failed (the fingerprint fields then describe that attempt). */
  readonly failedSha256?: string;
  /** Consecutive failed attempts (reset on success). */
  readonly failures?: number;
  readonly intent?: Intent;
  /** Earlier documents of ours for this path (replaced versions) still to be deleted once the new one is
   *  confirmed. Kept here so a crash between "new uploaded" and "old deleted" never orphans the old one. */
  readonly obsoleteDocIds?: readonly string[];
  /** The parser (chunk method) the document was last parsed with, as the folder's rules chose it. Absent in
   *  entries written before parser rules existed: those were parsed with the folder's `parserId`. */
  readonly parserId?: string;
  /** deleteMode "disable": the file vanished and its document was disabled (hidden from retrieval) at this
   *  epoch ms; it is deleted once deleteGraceHours have passed, or enabled again if the file comes back. */
  readonly disabledAt?: number;
  /** Epoch ms of the last change to this entry. */
  readonly updatedAt: number;
}

/** Per-folder facts the state keeps besides the files. */
export interface FolderMeta {
  /** KB name and id as last resolved. */
  readonly kbName: string;
  readonly kbId?: string;
  /** Device and inode of the folder root at the last good scan: a different device means an unmounted disk. */
  readonly rootDev?: number;
  readonly rootIno?: number;
  readonly lastReconcileAt?: number;
  /** Files left out at the last full scan before any upload (too large, unreadable, not a regular file,
   *  symlink), so `status` can show them and a file is logged once when it becomes skipped, not per scan. */
  readonly skipped?: readonly SkippedFile[];
  /** Paths whose deletion the mass-delete guard (or an unhealthy root) holds back, as of the last run
   *  that planned them; kept so `status` can show them. Absent when nothing is held. */
  readonly heldDeletes?: readonly RelPath[];
  /** The folder's state is being rebuilt from the server (state file lost or corrupt):
   *  'adopt': files the state does not know adopt an unclaimed same-named document whose bytes match,
   *           instead of uploading it again; kept until a run gets through every file.
   *  'blocked': the state was corrupt and the server cannot list documents (legacy 0.20–0.22), so it cannot be
   *           rebuilt without duplicating every document: every run stops (exit 65) until the state file is
   *           deleted on purpose. */
  readonly rebuild?: 'adopt' | 'blocked';
}

/** Why a file is not mirrored although the filters include it. Reasons: 'too-large', 'unreadable',
 *  'unreadable-dir' (a folder that cannot be listed), 'not-regular' (FIFO, socket, device), 'symlink'. */
export interface SkippedFile {
  readonly relPath: RelPath;
  readonly reason: string;
}
