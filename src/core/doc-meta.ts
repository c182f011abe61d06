// Ownership and recovery facts carried by each document we upload (RAGFlow meta_fields, v1 ≥ 0.16):
// which installation created it, for which path, holding which bytes. Several installations can then feed
// one knowledge base without touching each other's documents, and a lost state file is rebuilt from the
// listing alone (no content download).
import { createHash } from 'node:crypto';
import type { RelPath } from './model.js';

export const META_OWNER = 'ragflow_sync_owner';
export const META_PATH = 'ragflow_sync_path';
export const META_SHA256 = 'ragflow_sync_sha256';
/** Which host folder the document mirrors (a hash of host name, folder path and KB): a state rebuilt after
 *  the state file was lost has a new owner id, and recognises its own earlier documents by this. */
export const META_SOURCE = 'ragflow_sync_source';

export interface OwnerMeta {
  readonly owner: string;
  readonly path?: RelPath;
  readonly sha256?: string;
  readonly source?: string;
}

export function ownerMetaFields(ownerId: string, source: string, relPath: RelPath, sha256: string): Record<string, string> {
  return { [META_OWNER]: ownerId, [META_SOURCE]: source, [META_PATH]: relPath, [META_SHA256]: sha256 };
}

/** The ownership facts of a listed document, when it carries them. */
export function readOwnerMeta(metaFields: Readonly<Record<string, unknown>> | undefined): OwnerMeta | undefined {
  const owner = metaFields?.[META_OWNER];
  if (typeof owner !== 'string' || owner === '') return undefined;
  const path = metaFields?.[META_PATH];
  const sha256 = metaFields?.[META_SHA256];
  const source = metaFields?.[META_SOURCE];
  return { owner, ...(typeof path === 'string' ? { path } : {}), ...(typeof sha256 === 'string' ? { sha256 } : {}), ...(typeof source === 'string' ? { source } : {}) };
}

/** What the metadata says about "is this document ours and does it hold these bytes". 'unknown' when the
 *  document carries no ownership metadata (uploaded before, or by a server without meta_fields). */
export function metaVerdict(metaFields: Readonly<Record<string, unknown>> | undefined, ownerId: string, sha256: string): 'ours' | 'ours-other-bytes' | 'foreign' | 'unknown' {
  const meta = readOwnerMeta(metaFields);
  if (meta === undefined) return 'unknown';
  if (meta.owner !== ownerId) return 'foreign';
  if (meta.sha256 === undefined) return 'unknown';
  return meta.sha256 === sha256 ? 'ours' : 'ours-other-bytes';
}

/** The source id of one host folder mirrored into one KB (16 hex digits of SHA-256). Pure: the host name
 *  is an input. */
export function sourceIdOf(hostName: string, folderPath: string, kbName: string): string {
  return createHash('sha256').update(`${hostName}\0${folderPath}\0${kbName}`, 'utf8').digest('hex').slice(0, 16);
}
