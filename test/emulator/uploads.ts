// Turning one uploaded file into a stored document, as FileService.upload_document (v1) and the legacy
// upload do: duplicate renaming, type detection, parser choice, storage key (§3.1, §4, §5.2).
import { DuplicateNameExhausted, duplicateName, filenameType, forcedParser, pathSuffix } from './names.js';
import type { UploadedFile } from './multipart.js';
import type { Profile } from './profiles.js';
import type { DocRecord, KbRecord, Store } from './store.js';
import { newId } from './store.js';

export type StoreOutcome = { ok: true; doc: DocRecord } | { ok: false; message: string };

export interface StoreUploadOptions {
  /** v1 rejects FileType "other"; the legacy upload accepts anything (§4.4). */
  readonly rejectOther: boolean;
  /** Legacy `parser_id` form field, already validated by the caller. */
  readonly parserId?: string;
  /** v1 uploads record a thumbnail location (''), legacy a data URL or null. */
  readonly thumbnail: 'v1' | 'legacy';
}

export function storeUpload(store: Store, profile: Profile, kb: KbRecord, file: UploadedFile, opts: StoreUploadOptions): StoreOutcome {
  let name: string;
  try {
    name = duplicateName(file.filename, (n) => store.nameTaken(kb.id, n), profile.duplicateName);
  } catch (err) {
    if (err instanceof DuplicateNameExhausted) return { ok: false, message: err.message };
    throw err;
  }
  const type = filenameType(name, profile.fileTypes);
  if (opts.rejectOther && type === 'other') return { ok: false, message: 'This type of file has not been supported yet!' };
  const id = newId();
  const parserId = forcedParser(type, name, profile.fileTypes !== '0.19') ?? opts.parserId ?? kb.parserId;
  const doc = store.insertDoc(
    {
      id,
      kbId: kb.id,
      name,
      location: store.freeLocation(kb.id, name),
      size: file.size,
      sha256: file.sha256,
      xxh128: file.xxh128,
      type,
      suffix: pathSuffix(name).replace(/^\.+/u, ''),
      parserId,
      parserConfig: structuredClone(kb.parserConfig),
      pipelineId: null,
      run: '0',
      progress: 0,
      progressMsg: '',
      processBeginAt: null,
      processDuration: 0,
      chunkNum: 0,
      tokenNum: 0,
      status: '1',
      metaFields: {},
      createdBy: store.tenantId,
      sourceType: 'local',
      // No real thumbnails are rendered: v1 records '' (no image), legacy null.
      thumbnail: opts.thumbnail === 'v1' ? '' : null,
      seeded: false,
    },
    file.content,
  );
  return { ok: true, doc };
}
