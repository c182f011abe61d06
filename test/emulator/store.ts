// The emulator's database: one tenant, its knowledge bases and documents, bytes on disk.
// Records use RAGFlow's raw column names' meaning; doc-view.ts renders them per API.
import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileType } from './names.js';

/** RAGFlow TaskStatus codes as stored in the `run` column. */
export type RunCode = '0' | '1' | '2' | '3' | '4';

export interface KbRecord {
  id: string;
  name: string;
  tenantId: string;
  parserId: string;
  parserConfig: Record<string, unknown>;
  description: string | null;
  permission: string;
  embdId: string;
  avatar: string | null;
  language: string;
  pagerank: number;
  createTime: number;
  updateTime: number;
  extra: Record<string, unknown>;
}

export interface DocRecord {
  id: string;
  kbId: string;
  name: string;
  location: string;
  size: number;
  sha256: string;
  xxh128: string;
  /** Where the bytes are on disk. */
  filePath: string;
  type: FileType;
  suffix: string;
  parserId: string;
  parserConfig: Record<string, unknown>;
  pipelineId: string | null;
  run: RunCode;
  progress: number;
  progressMsg: string;
  processBeginAt: number | null;
  processDuration: number;
  chunkNum: number;
  tokenNum: number;
  status: '0' | '1';
  metaFields: Record<string, unknown>;
  createdBy: string;
  sourceType: string;
  thumbnail: string | null;
  createTime: number;
  updateTime: number;
  seeded: boolean;
}

/** RAGFlow ids: uuid1().hex, 32 lower-case hex characters. Random bits with the version nibble set
 *  to 1, because 0.24 validates dataset ids as UUID1 ("Must be a UUID1 format"). */
export function newId(): string {
  const hex = randomUUID().replaceAll('-', '');
  return `${hex.slice(0, 12)}1${hex.slice(13)}`;
}

/**
 * Name equality as the database does it. RAGFlow's MySQL runs with utf8mb4_unicode_ci (ragflow-api.md
 * §4.1, UNCONFIRMED at run time): case-, accent- and trailing-space-insensitive. This approximates it.
 */
export function collate(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/ +$/u, '');
}

export class Store {
  readonly tenantId = newId();
  private readonly kbs = new Map<string, KbRecord>();
  private readonly docs = new Map<string, DocRecord>();
  // Indexes per knowledge base, so an upload's duplicate-name and storage-key checks and an `id=` lookup
  // cost the same with 5 or 50,000 documents (a scan per upload made a 5,000-file first sync quadratic).
  /** Its documents in creation order (what a scan of `docs` filtered by KB gives). */
  private readonly kbDocs = new Map<string, Map<string, DocRecord>>();
  /** Collated name → the documents holding it. Names change only through rename(). */
  private readonly names = new Map<string, Map<string, Set<DocRecord>>>();
  /** Storage key → how many documents use it. */
  private readonly locations = new Map<string, Map<string, number>>();
  private lastTime = 0;

  constructor(readonly storageDir: string) {
    mkdirSync(join(storageDir, 'incoming'), { recursive: true });
    mkdirSync(join(storageDir, 'docs'), { recursive: true });
  }

  /** Epoch ms, strictly increasing, so "order by create_time" is stable as in a real run. */
  now(): number {
    this.lastTime = Math.max(Date.now(), this.lastTime + 1);
    return this.lastTime;
  }

  incomingPath(): string {
    return join(this.storageDir, 'incoming', newId());
  }

  // --- knowledge bases -----------------------------------------------------------------------

  createKb(name: string, opts: { parserId?: string; parserConfig?: Record<string, unknown>; extra?: Partial<KbRecord> } = {}): KbRecord {
    const t = this.now();
    const kb: KbRecord = {
      id: newId(),
      name,
      tenantId: this.tenantId,
      parserId: opts.parserId ?? 'naive',
      parserConfig: structuredClone(opts.parserConfig ?? {}),
      description: null,
      permission: 'me',
      embdId: 'BAAI/bge-large-zh-v1.5@BAAI',
      avatar: null,
      language: 'English',
      pagerank: 0,
      createTime: t,
      updateTime: t,
      extra: {},
      ...opts.extra,
    };
    this.kbs.set(kb.id, kb);
    return kb;
  }

  kbById(id: string): KbRecord | undefined {
    return this.kbs.get(id);
  }

  /** KnowledgebaseService.get_by_name: exact name under the database collation. */
  kbByName(name: string): KbRecord | undefined {
    const key = collate(name);
    for (const kb of this.kbs.values()) if (collate(kb.name) === key) return kb;
    return undefined;
  }

  allKbs(): KbRecord[] {
    return [...this.kbs.values()];
  }

  deleteKb(id: string): void {
    for (const doc of this.docsOf(id)) this.removeDoc(doc.id);
    this.kbs.delete(id);
    this.kbDocs.delete(id);
    this.names.delete(id);
    this.locations.delete(id);
  }

  // --- documents -----------------------------------------------------------------------------

  /** The KB's documents in creation order. */
  docsOf(kbId: string): DocRecord[] {
    return [...(this.kbDocs.get(kbId)?.values() ?? [])];
  }

  /** The documents of the KB among `ids` (each once, unknown or foreign ids skipped), in creation order:
   *  what filtering docsOf(kbId) by the ids gives. */
  docsWithIds(kbId: string, ids: Iterable<string>): DocRecord[] {
    const found = new Set<DocRecord>();
    for (const id of ids) {
      const doc = this.docs.get(id);
      if (doc?.kbId === kbId) found.add(doc);
    }
    return [...found].sort((a, b) => a.createTime - b.createTime);
  }

  doc(id: string): DocRecord | undefined {
    return this.docs.get(id);
  }

  allDocs(): DocRecord[] {
    return [...this.docs.values()];
  }

  docCount(): number {
    return this.docs.size;
  }

  /** DocumentService.query(name=…, kb_id=…): equality under the database collation. */
  docsNamed(kbId: string | undefined, name: string): DocRecord[] {
    const key = collate(name);
    if (kbId === undefined) return [...this.docs.values()].filter((d) => collate(d.name) === key);
    const hits = [...(this.names.get(kbId)?.get(key) ?? [])];
    return hits.sort((a, b) => a.createTime - b.createTime);
  }

  nameTaken(kbId: string, name: string): boolean {
    return this.docsNamed(kbId, name).length > 0;
  }

  /** Storage key (`location`): the name, with `_` appended while the key is used in that KB's bucket. */
  freeLocation(kbId: string, name: string): string {
    let location = name;
    const used = this.locations.get(kbId);
    while (used?.has(location) === true) location += '_';
    return location;
  }

  /** Inserts a document whose bytes are at `sourcePath` (moved into the store) or given as `bytes`. */
  insertDoc(
    fields: Omit<DocRecord, 'filePath' | 'createTime' | 'updateTime'>,
    content: { sourcePath: string } | { bytes: Buffer },
  ): DocRecord {
    const filePath = join(this.storageDir, 'docs', fields.id);
    if ('sourcePath' in content) renameSync(content.sourcePath, filePath);
    else writeFileSync(filePath, content.bytes);
    const t = this.now();
    const doc: DocRecord = { ...fields, filePath, createTime: t, updateTime: t };
    this.docs.set(doc.id, doc);
    mapOf(this.kbDocs, doc.kbId).set(doc.id, doc);
    this.indexName(doc);
    const locations = mapOf(this.locations, doc.kbId);
    locations.set(doc.location, (locations.get(doc.location) ?? 0) + 1);
    return doc;
  }

  /** Gives a document another name (the update endpoints); the only way a name changes. */
  rename(doc: DocRecord, name: string): void {
    this.unindexName(doc);
    doc.name = name;
    this.indexName(doc);
  }

  touch(doc: DocRecord): void {
    doc.updateTime = this.now();
  }

  removeDoc(id: string): boolean {
    const doc = this.docs.get(id);
    if (!doc) return false;
    this.docs.delete(id);
    this.kbDocs.get(doc.kbId)?.delete(id);
    this.unindexName(doc);
    const locations = this.locations.get(doc.kbId);
    const uses = locations?.get(doc.location) ?? 0;
    if (uses > 1) locations?.set(doc.location, uses - 1);
    else locations?.delete(doc.location);
    rmSync(doc.filePath, { force: true });
    return true;
  }

  private indexName(doc: DocRecord): void {
    const byName = mapOf(this.names, doc.kbId);
    const key = collate(doc.name);
    let holders = byName.get(key);
    if (holders === undefined) byName.set(key, (holders = new Set()));
    holders.add(doc);
  }

  private unindexName(doc: DocRecord): void {
    const byName = this.names.get(doc.kbId);
    const key = collate(doc.name);
    const holders = byName?.get(key);
    holders?.delete(doc);
    if (holders?.size === 0) byName?.delete(key);
  }
}

function mapOf<K, V>(maps: Map<string, Map<K, V>>, kbId: string): Map<K, V> {
  let map = maps.get(kbId);
  if (map === undefined) maps.set(kbId, (map = new Map()));
  return map;
}
