// startEmulator(): wires store, parse simulator, routes and HTTP together, and exposes the control
// surface tests use (seed documents, inspect requests, inject faults, drive parsing).
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IHasher } from 'hash-wasm';
import { createSHA256, createXXHash128 } from 'hash-wasm';
import { chunksOfFile } from './chunks.js';
import type { EmulatorServices } from './context.js';
import { RUN_CODE, RUN_TEXT } from './doc-view.js';
import { filenameType, forcedParser, pathSuffix } from './names.js';
import { ParseSimulator } from './parse-sim.js';
import { getParserConfig } from './parser-config.js';
import { profileOf } from './profiles.js';
import type { Route } from './router.js';
import { legacyRoutes } from './routes-legacy.js';
import { v1DatasetRoutes } from './routes-v1-datasets.js';
import { v1DeleteRoutes } from './routes-v1-delete.js';
import { v1DocumentRoutes } from './routes-v1-documents.js';
import { v1DownloadRoutes } from './routes-v1-download.js';
import { v1ParseRoutes } from './routes-v1-parse.js';
import { v1UpdateRoutes } from './routes-v1-update.js';
import { EmulatorHttp } from './server.js';
import type { DocRecord, KbRecord } from './store.js';
import { Store, newId } from './store.js';
import type { Emulator, EmulatorOptions, StoredDoc } from './types.js';

const ONE_GIB = 1024 * 1024 * 1024;

function buildRoutes(services: EmulatorServices): Route[] {
  const p = services.profile;
  return [
    ...legacyRoutes(p.legacy, p.webDocumentGet),
    ...v1DatasetRoutes(services.datasetAdmin, p.v1Style),
    ...v1DocumentRoutes(),
    ...v1DownloadRoutes(),
    ...v1UpdateRoutes(p),
    ...v1DeleteRoutes(p.v1Style),
    ...v1ParseRoutes(p.documentsParseRoute),
  ];
}

function snapshot(store: Store, doc: DocRecord): StoredDoc {
  const kb = store.kbById(doc.kbId);
  const filePath = doc.filePath;
  return {
    id: doc.id,
    kbId: doc.kbId,
    kbName: kb?.name ?? '',
    name: doc.name,
    size: doc.size,
    sha256: doc.sha256,
    xxh128: doc.xxh128,
    parserId: doc.parserId,
    run: RUN_TEXT[doc.run],
    progress: doc.progress,
    progressMsg: doc.progressMsg,
    chunkCount: doc.chunkNum,
    enabled: doc.status === '1',
    metaFields: structuredClone(doc.metaFields),
    createTime: doc.createTime,
    seeded: doc.seeded,
    content: () => readFile(filePath),
  };
}

export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const profile = profileOf(opts.profile);
  const ownsStorage = opts.storageDir === undefined;
  const storageDir = opts.storageDir ?? mkdtempSync(join(tmpdir(), 'ragflow-emulator-'));
  const store = new Store(storageDir);
  const parse = new ParseSimulator(store, opts.parse);
  const services: EmulatorServices = { profile, store, parse, apiKey: opts.apiKey, datasetAdmin: opts.datasetAdmin ?? false };
  const http = new EmulatorHttp({ services, routes: buildRoutes(services), maxContentLength: opts.maxContentLength ?? ONE_GIB });
  // Hashers made once, so seedDocument() can hash synchronously.
  const [sha256, xxh128]: [IHasher, IHasher] = await Promise.all([createSHA256(), createXXHash128()]);

  const kbNamed = (name: string): KbRecord | undefined => store.allKbs().find((k) => k.name === name);
  const createKb = (name: string, o: { parserId?: string } = {}): { id: string; name: string } => {
    if (kbNamed(name)) throw new Error(`emulator: knowledge base ${JSON.stringify(name)} already exists`);
    const parserId = o.parserId ?? 'naive';
    const kb = store.createKb(name, { parserId, parserConfig: getParserConfig(parserId, undefined, profile.parserConfigs) });
    return { id: kb.id, name: kb.name };
  };
  for (const seed of opts.kbs ?? []) {
    if (typeof seed === 'string') createKb(seed);
    else createKb(seed.name, seed.parserId === undefined ? {} : { parserId: seed.parserId });
  }
  try {
    await http.listen(opts.port ?? 0);
  } catch (err) {
    if (ownsStorage) rmSync(storageDir, { recursive: true, force: true });
    throw err;
  }

  const emulator: Emulator = {
    get url() {
      return `http://127.0.0.1:${http.port}`;
    },
    get port() {
      return http.port;
    },
    profile: opts.profile,
    apiKey: opts.apiKey,
    async close() {
      parse.close();
      await http.close();
      if (ownsStorage) rmSync(storageDir, { recursive: true, force: true });
    },
    createKb,
    documents(kbName) {
      const kb = kbNamed(kbName);
      return kb ? store.docsOf(kb.id).map((d) => snapshot(store, d)) : [];
    },
    document(id) {
      const d = store.doc(id);
      return d ? snapshot(store, d) : undefined;
    },
    seedDocument(kbName, seed) {
      const kb = kbNamed(kbName);
      if (!kb) throw new Error(`emulator: no knowledge base ${JSON.stringify(kbName)}`);
      const bytes = typeof seed.content === 'string' ? Buffer.from(seed.content, 'utf8') : seed.content;
      const type = filenameType(seed.name, profile.fileTypes);
      const run = RUN_CODE[seed.run ?? 'UNSTART'];
      const doc = store.insertDoc(
        {
          id: newId(),
          kbId: kb.id,
          // Kept exactly as given (no duplicate renaming), so tests can build any state.
          name: seed.name,
          location: store.freeLocation(kb.id, seed.name),
          size: bytes.length,
          sha256: sha256.init().update(bytes).digest('hex'),
          xxh128: xxh128.init().update(bytes).digest('hex'),
          type,
          suffix: pathSuffix(seed.name).replace(/^\.+/u, ''),
          parserId: seed.parserId ?? forcedParser(type, seed.name, profile.fileTypes !== '0.19') ?? kb.parserId,
          parserConfig: structuredClone(kb.parserConfig),
          pipelineId: null,
          run,
          progress: run === '3' ? 1 : run === '4' ? -1 : run === '1' ? 0.5 : 0,
          progressMsg: run === '4' ? '[ERROR]seeded failure' : '',
          processBeginAt: null,
          processDuration: 0,
          chunkNum: 0,
          tokenNum: 0,
          status: '1',
          metaFields: structuredClone(seed.metaFields ?? {}),
          createdBy: store.tenantId,
          sourceType: 'local',
          thumbnail: profile.legacy ? null : '',
          seeded: true,
        },
        { bytes },
      );
      parse.noteSeeded(doc);
      if (run === '3') {
        const chunks = chunksOfFile(doc.filePath);
        doc.chunkNum = chunks.length;
        doc.tokenNum = chunks.reduce((n, c) => n + c.tokens, 0);
      }
      return snapshot(store, doc);
    },
    get requests() {
      return http.requests;
    },
    clearRequests() {
      http.requests.length = 0;
    },
    addFault: (rule) => http.faults.add(rule),
    clearFaults: () => http.faults.clear(),
    refuseConnections: (ms) => http.refuse(ms),
    listening: () => http.listening(),
    failParse: (docName, message, times) => parse.failNext(docName, message, times),
    setParse: (o) => parse.set(o),
    finishParse: (id, outcome) => parse.finish(id, outcome),
    maxConcurrentRunning(kbName) {
      const kb = kbNamed(kbName);
      return kb ? parse.maxConcurrent(kb.id) : 0;
    },
  };
  return emulator;
}

