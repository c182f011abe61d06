// The state file's JSON format: compact text ⇄ the in-memory state, with the shape checked on load.
//
// Version 2 (written since issue 6) keeps each folder's files as columns: one array per field, row i of
// every array describing one file, plus a sparse `more` object for the rarely set fields. Measured on
// 100,000 entries (2 cores): the file is 21 MB instead of 36 MB, and loading it costs about half as much
// CPU as version 1's one object per file, which a no-op `--sync` pays on every run. Version 1 files are
// still read (and rewritten as version 2 on the first change).
import { z } from 'zod';
import type { FolderMeta, Intent, TrackedFile } from '../core/model.js';

export const STATE_FORMAT_VERSION = 2;

/** In memory, folders and files are Maps: file names such as `__proto__` or `constructor` are ordinary keys. */
export interface FolderState {
  meta?: FolderMeta;
  readonly files: Map<string, TrackedFile>;
}

export interface StateData {
  readonly version: typeof STATE_FORMAT_VERSION;
  readonly ownerId: string;
  readonly folders: Map<string, FolderState>;
}

/** The file cannot be used as a state file (empty, truncated, not JSON, wrong shape). */
export class StateFileCorruptError extends Error {
  readonly code = 'state-corrupt';
  constructor(
    readonly reason: string,
    /** The owner id found in the damaged text, if any: keeping it keeps our documents recognisable. */
    readonly salvagedOwnerId: string | undefined,
  ) {
    super(`state file is corrupt: ${reason}`);
    this.name = 'StateFileCorruptError';
  }
}

/** The file is a valid state file of a newer ragflow-sync: never move it aside or overwrite it. */
export class StateFileVersionError extends Error {
  readonly code = 'state-version-unsupported';
  constructor(readonly version: number) {
    super(`state file format version ${version} is newer than this ragflow-sync understands (${STATE_FORMAT_VERSION}); upgrade ragflow-sync`);
    this.name = 'StateFileVersionError';
  }
}

// Types only, no range checks on numbers: each zod check costs per entry (measured ~2× on 100,000
// entries), and a wrong-typed field is what real corruption looks like.
const count = z.number();
const epochMs = z.number();

const intentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('upload'), name: z.string(), sha256: z.string(), startedAt: epochMs }),
  z.object({ kind: z.literal('delete'), docIds: z.array(z.string()).readonly(), startedAt: epochMs }),
]);

const trackedFileSchema = z.object({
  relPath: z.string(),
  size: count,
  mtimeMs: z.number(),
  ctimeMs: z.number(),
  ino: count,
  docId: z.string().exactOptional(),
  docName: z.string().exactOptional(),
  sha256: z.string(),
  status: z.enum(['synced', 'pending', 'failed']),
  lastError: z.string().exactOptional(),
  permanent: z.boolean().exactOptional(),
  failedSha256: z.string().exactOptional(),
  failures: count.exactOptional(),
  intent: intentSchema.exactOptional(),
  obsoleteDocIds: z.array(z.string()).readonly().exactOptional(),
  parserId: z.string().exactOptional(),
  disabledAt: epochMs.exactOptional(),
  updatedAt: epochMs,
});

const folderMetaSchema = z.object({
  kbName: z.string(),
  kbId: z.string().exactOptional(),
  rootDev: z.number().exactOptional(),
  rootIno: z.number().exactOptional(),
  lastReconcileAt: epochMs.exactOptional(),
  skipped: z.array(z.object({ relPath: z.string(), reason: z.string() })).readonly().exactOptional(),
  heldDeletes: z.array(z.string()).readonly().exactOptional(),
  rebuild: z.enum(['adopt', 'blocked']).exactOptional(),
});

// If model.ts changes, these stop compiling until the schemas follow: a field the schema does not
// know would be dropped on the next load.
// Mutual assignability alone would accept a schema missing an optional field, hence the key check.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;
const trackedFileSchemaMatchesModel: Same<z.output<typeof trackedFileSchema>, TrackedFile> = true;
const intentSchemaMatchesModel: Same<z.output<typeof intentSchema>, Intent> = true;
const folderMetaSchemaMatchesModel: Same<z.output<typeof folderMetaSchema>, FolderMeta> = true;
void [trackedFileSchemaMatchesModel, intentSchemaMatchesModel, folderMetaSchemaMatchesModel];

// Checked, not copied: a zod record would rebuild the 100,000-key files object (measured 0.5 s).
const plainObject = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  { message: 'expected an object' },
);
const topLevelSchema = z.object({
  version: z.union([z.literal(1), z.literal(STATE_FORMAT_VERSION)]),
  ownerId: z.uuid(),
  folders: plainObject,
});
const folderSchema = z.object({ meta: folderMetaSchema.exactOptional(), files: plainObject });

const STATUSES: ReadonlySet<unknown> = new Set(trackedFileSchema.shape.status.options);

/** Parses and checks the whole file. Throws StateFileCorruptError or StateFileVersionError. */
export function parseStateText(text: string): StateData {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const reason = text.length === 0 ? 'the file is empty' : `not JSON (${(error as Error).message})`;
    throw new StateFileCorruptError(reason, salvageOwnerId(text));
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && Number.isInteger(version) && version > STATE_FORMAT_VERSION) {
    throw new StateFileVersionError(version);
  }
  const top = topLevelSchema.safeParse(raw);
  if (!top.success) throw corrupt(top.error, '', text);
  const ownerId = top.data.ownerId;

  const folders = new Map<string, FolderState>();
  // Object.entries, not zod records, for the keys: JSON.parse keeps `__proto__` as an own key and
  // entries() sees it, where assigning it into a fresh object would set a prototype instead.
  for (const [folderKey, rawFolder] of Object.entries(top.data.folders)) {
    const where = `folders[${JSON.stringify(folderKey)}]`;
    const folder = folderSchema.safeParse(rawFolder);
    if (!folder.success) throw corrupt(folder.error, where, text);
    const files = top.data.version === 1 ? filesOfVersion1(folder.data.files, where, ownerId, text) : filesOfColumns(folder.data.files, `${where}.files`, ownerId, text);
    folders.set(folderKey, folder.data.meta === undefined ? { files } : { meta: folder.data.meta, files });
  }
  return { version: STATE_FORMAT_VERSION, ownerId, folders };
}

/** Version 1: one object per file, keyed by its path. */
function filesOfVersion1(rawFiles: Record<string, unknown>, folderWhere: string, ownerId: string, text: string): Map<string, TrackedFile> {
  const files = new Map<string, TrackedFile>();
  const where = (relPath: string) => `${folderWhere}.files[${JSON.stringify(relPath)}]`;
  for (const relPath of Object.keys(rawFiles)) {
    const value = rawFiles[relPath];
    // Version 1 is read once, on the upgrade to version 2: zod alone checks its entries.
    const parsed = trackedFileSchema.safeParse(value);
    if (!parsed.success) throw corrupt(parsed.error, where(relPath), text);
    const entry = parsed.data;
    if (entry.relPath !== relPath) {
      throw new StateFileCorruptError(`${where(relPath)}.relPath: expected the key, got ${JSON.stringify(entry.relPath)}`, ownerId);
    }
    files.set(relPath, entry);
  }
  return files;
}

// Version 2's columns. Every TrackedFile field is either a column or one of the `more` fields (a new
// model field fails to compile here until it is given a place).
type ColumnKey = 'relPath' | 'size' | 'mtimeMs' | 'ctimeMs' | 'ino' | 'docId' | 'docName' | 'sha256' | 'status' | 'updatedAt';
type MoreKey = Exclude<keyof TrackedFile, ColumnKey>;
const moreSchema = trackedFileSchema.pick({
  lastError: true,
  permanent: true,
  failedSha256: true,
  failures: true,
  intent: true,
  obsoleteDocIds: true,
  parserId: true,
  disabledAt: true,
} satisfies { readonly [K in MoreKey]: true });
const moreSchemaCoversTheRest: Same<keyof z.output<typeof moreSchema>, MoreKey> = true;
void moreSchemaCoversTheRest;
const MORE_KEYS = Object.keys(moreSchema.shape) as MoreKey[];

/** The columns as written. `docName: true` means "the same as relPath" (the usual case); null, absent. */
interface FileColumns {
  readonly relPath: string[];
  readonly size: number[];
  readonly mtimeMs: number[];
  readonly ctimeMs: number[];
  readonly ino: number[];
  readonly docId: Array<string | null>;
  readonly docName: Array<string | true | null>;
  readonly sha256: string[];
  readonly status: Array<TrackedFile['status']>;
  readonly updatedAt: number[];
  /** Row index → the fields that are rarely set (failures, intents, obsolete ids…). */
  readonly more: Record<string, Partial<Pick<TrackedFile, MoreKey>>>;
}

type CellCheck = (value: unknown) => boolean;
const isString: CellCheck = (value) => typeof value === 'string';
const isNumber: CellCheck = (value) => typeof value === 'number';
const COLUMN_CHECKS: { readonly [K in ColumnKey]: readonly [CellCheck, string] } = {
  relPath: [isString, 'a string'],
  size: [isNumber, 'a number'],
  mtimeMs: [isNumber, 'a number'],
  ctimeMs: [isNumber, 'a number'],
  ino: [isNumber, 'a number'],
  docId: [(value) => value === null || typeof value === 'string', 'a string or null'],
  docName: [(value) => value === null || value === true || typeof value === 'string', 'a string, true or null'],
  sha256: [isString, 'a string'],
  status: [(value) => STATUSES.has(value), `one of ${[...STATUSES].map((s) => JSON.stringify(s)).join(', ')}`],
  updatedAt: [isNumber, 'a number'],
};
const COLUMN_KEYS = Object.keys(COLUMN_CHECKS) as ColumnKey[];

/** Version 2: checks every column (a plain loop per column: zod per cell would cost several times the
 *  parse), then builds the entries. */
function filesOfColumns(raw: Record<string, unknown>, where: string, ownerId: string, text: string): Map<string, TrackedFile> {
  const fail = (reason: string): never => {
    throw new StateFileCorruptError(`${where}.${reason}`, ownerId);
  };
  const rows = Array.isArray(raw['relPath']) ? raw['relPath'].length : fail('relPath: expected an array');
  for (const key of COLUMN_KEYS) {
    const column = raw[key];
    if (!Array.isArray(column) || column.length !== rows) fail(`${key}: expected an array of ${rows} values`);
    const [check, expected] = COLUMN_CHECKS[key];
    const cells = column as unknown[];
    for (let row = 0; row < rows; row++) {
      if (!check(cells[row])) fail(`${key}[${row}]: expected ${expected}`);
    }
  }
  const more = raw['more'] ?? {};
  if (typeof more !== 'object' || more === null || Array.isArray(more)) fail('more: expected an object');
  const columns = raw as unknown as FileColumns;
  const extras = new Map<number, Partial<Pick<TrackedFile, MoreKey>>>();
  for (const [index, value] of Object.entries(more as Record<string, unknown>)) {
    const row = Number(index);
    if (!Number.isInteger(row) || row < 0 || row >= rows || String(row) !== index) fail(`more[${JSON.stringify(index)}]: not a row number below ${rows}`);
    const parsed = moreSchema.safeParse(value);
    if (!parsed.success) throw corrupt(parsed.error, `${where}.more[${JSON.stringify(index)}]`, text);
    extras.set(row, parsed.data);
  }

  const files = new Map<string, TrackedFile>();
  const { relPath, size, mtimeMs, ctimeMs, ino, docId, docName, sha256, status, updatedAt } = columns;
  for (let row = 0; row < rows; row++) {
    const path = relPath[row] as string;
    const id = docId[row] as string | null;
    const name = docName[row] as string | true | null;
    const extra = extras.get(row);
    let entry: TrackedFile;
    if (id !== null && name !== null && extra === undefined) {
      // The common entry, as one literal: every such entry then shares one object shape (adding fields one
      // by one costs a shape change each, measured ~30% of this loop).
      entry = { relPath: path, size: size[row] as number, mtimeMs: mtimeMs[row] as number, ctimeMs: ctimeMs[row] as number, ino: ino[row] as number, docId: id, docName: name === true ? path : name, sha256: sha256[row] as string, status: status[row] as TrackedFile['status'], updatedAt: updatedAt[row] as number };
    } else {
      const built: { -readonly [K in keyof TrackedFile]?: TrackedFile[K] } = { relPath: path, size: size[row] as number, mtimeMs: mtimeMs[row] as number, ctimeMs: ctimeMs[row] as number, ino: ino[row] as number };
      if (id !== null) built.docId = id;
      if (name !== null) built.docName = name === true ? path : name;
      built.sha256 = sha256[row] as string;
      built.status = status[row] as TrackedFile['status'];
      if (extra !== undefined) Object.assign(built, extra);
      built.updatedAt = updatedAt[row] as number;
      entry = built as TrackedFile;
    }
    files.set(path, entry);
  }
  if (files.size < rows) {
    // A path listed twice (looked for only when the count says so: a lookup per row would cost more).
    const seen = new Set<string>();
    relPath.forEach((path, row) => {
      if (seen.has(path)) fail(`relPath[${row}]: ${JSON.stringify(path)} is listed twice`);
      seen.add(path);
    });
  }
  return files;
}

function columnsOf(files: ReadonlyMap<string, TrackedFile>): FileColumns {
  const columns: FileColumns = { relPath: [], size: [], mtimeMs: [], ctimeMs: [], ino: [], docId: [], docName: [], sha256: [], status: [], updatedAt: [], more: {} };
  let row = 0;
  for (const entry of files.values()) {
    columns.relPath.push(entry.relPath);
    columns.size.push(entry.size);
    columns.mtimeMs.push(entry.mtimeMs);
    columns.ctimeMs.push(entry.ctimeMs);
    columns.ino.push(entry.ino);
    columns.docId.push(entry.docId ?? null);
    columns.docName.push(entry.docName === undefined ? null : entry.docName === entry.relPath ? true : entry.docName);
    columns.sha256.push(entry.sha256);
    columns.status.push(entry.status);
    columns.updatedAt.push(entry.updatedAt);
    let extra: Record<string, unknown> | undefined;
    for (const key of MORE_KEYS) {
      if (entry[key] === undefined) continue;
      extra ??= {};
      extra[key] = entry[key];
    }
    if (extra !== undefined) columns.more[row] = extra;
    row += 1;
  }
  return columns;
}

/**
 * Compact JSON (a fifth smaller and faster than indented), ownerId first so a truncated file keeps it.
 * Built as one plain object for a single native JSON.stringify (measured 0.4 s against 0.7–0.9 s CPU for
 * 100,000 entries stringified one by one).
 */
export function stringifyState(data: StateData): string {
  // No prototype, so even a folder key `__proto__` is assigned as an ordinary property.
  const folders = Object.create(null) as Record<string, unknown>;
  for (const [folderKey, folder] of data.folders) {
    const files = columnsOf(folder.files);
    folders[folderKey] = folder.meta === undefined ? { files } : { meta: folder.meta, files };
  }
  return JSON.stringify({ version: data.version, ownerId: data.ownerId, folders });
}

export function emptyState(ownerId: string): StateData {
  return { version: STATE_FORMAT_VERSION, ownerId, folders: new Map() };
}

function corrupt(error: z.ZodError, where: string, text: string): StateFileCorruptError {
  const issue = error.issues[0];
  const path = issue === undefined ? '' : issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
  const location = (where + path).replace(/^\./, '') || 'the top level';
  return new StateFileCorruptError(`${location}: ${issue?.message ?? 'invalid'}`, salvageOwnerId(text));
}

const OWNER_ID_PATTERN = /"ownerId"\s*:\s*"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"/;

function salvageOwnerId(text: string): string | undefined {
  return OWNER_ID_PATTERN.exec(text.slice(0, 4096))?.[1]?.toLowerCase();
}
