// Simulated parsing (ragflow-api.md §6): RUNNING → DONE/FAIL with progress, progress_msg and chunk counts.
// auto mode finishes by itself after durationMs; manual mode waits for finish(). Fast and controllable.
import { chunksOfFile } from './chunks.js';
import type { ParseMode, ParseOptions } from './types.js';
import type { DocRecord, Store } from './store.js';

interface Job {
  readonly docId: string;
  readonly startedAt: number;
  readonly timers: NodeJS.Timeout[];
  /** Decided when the parse starts (failParse rules), so a rename mid-parse changes nothing. */
  readonly failWith: string | undefined;
}

interface FailRule {
  readonly match: string | RegExp;
  readonly message: string;
  remaining: number;
}

const DEFAULT_FAIL_MESSAGE = 'Internal server error while chunking: simulated failure';

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

export class ParseSimulator {
  private mode: ParseMode;
  private durationMs: number;
  private readonly jobs = new Map<string, Job>();
  private readonly failRules: FailRule[] = [];
  private readonly highWater = new Map<string, number>();
  /** Per KB, the documents that may be RUNNING: only a parse start and seeding make one RUNNING, so
   *  counting these (and dropping the ones that moved on) is exact without scanning the whole KB. */
  private readonly mayRun = new Map<string, Set<DocRecord>>();

  constructor(
    private readonly store: Store,
    opts: ParseOptions = {},
  ) {
    this.mode = opts.mode ?? 'auto';
    this.durationMs = opts.durationMs ?? 30;
  }

  set(opts: ParseOptions): void {
    if (opts.mode !== undefined) this.mode = opts.mode;
    if (opts.durationMs !== undefined) this.durationMs = opts.durationMs;
  }

  failNext(match: string | RegExp, message = DEFAULT_FAIL_MESSAGE, times = 1): void {
    this.failRules.push({ match, message, remaining: times });
  }

  /** Queues a parse: the doc becomes RUNNING with progress 0 (RAGFlow's state right after the call). */
  start(doc: DocRecord): void {
    this.cancel(doc.id);
    doc.run = '1';
    doc.progress = 0;
    doc.progressMsg = '';
    doc.chunkNum = 0;
    doc.tokenNum = 0;
    doc.processBeginAt = Date.now();
    doc.processDuration = 0;
    this.store.touch(doc);
    const rule = this.failRules.find((r) => r.remaining > 0 && matches(r.match, doc.name));
    if (rule) rule.remaining -= 1;
    const job: Job = { docId: doc.id, startedAt: Date.now(), timers: [], failWith: rule?.message };
    this.jobs.set(doc.id, job);
    this.noteMayRun(doc);
    this.noteRunning(doc.kbId);
    // A task executor picks the task up shortly: progress moves off 0 (begin2parse), in both modes.
    const dispatchAt = Math.max(1, Math.floor(this.durationMs / 5));
    job.timers.push(setTimeout(() => this.dispatch(doc.id), this.mode === 'manual' ? 1 : dispatchAt));
    if (this.mode === 'auto') {
      job.timers.push(setTimeout(() => this.halfway(doc.id), Math.max(dispatchAt + 1, Math.floor(this.durationMs / 2))));
      job.timers.push(setTimeout(() => this.complete(doc.id), Math.max(dispatchAt + 2, this.durationMs)));
    }
  }

  /** Ends a RUNNING parse now (manual mode). */
  finish(docId: string, outcome?: 'DONE' | 'FAIL'): void {
    const job = this.jobs.get(docId);
    const doc = this.store.doc(docId);
    if (!job || !doc || doc.run !== '1') throw new Error(`finishParse: document ${docId} is not RUNNING`);
    this.complete(docId, outcome);
  }

  /** Stops the simulation of a document (stop-parse, delete, re-parse). Fields are the caller's job. */
  cancel(docId: string): void {
    const job = this.jobs.get(docId);
    if (!job) return;
    for (const t of job.timers) clearTimeout(t);
    this.jobs.delete(docId);
  }

  isRunning(docId: string): boolean {
    return this.jobs.has(docId);
  }

  maxConcurrent(kbId: string): number {
    return this.highWater.get(kbId) ?? 0;
  }

  close(): void {
    for (const id of [...this.jobs.keys()]) this.cancel(id);
  }

  private dispatch(docId: string): void {
    const doc = this.liveDoc(docId);
    if (!doc) return;
    doc.progress = 0.001 + Math.random() * 0.008;
    doc.progressMsg = `${clock()} Task is queued...`;
    this.store.touch(doc);
  }

  private halfway(docId: string): void {
    const doc = this.liveDoc(docId);
    if (!doc) return;
    doc.progress = 0.5;
    doc.progressMsg += `\n${clock()} Page(1~100000000): Start to parse.`;
    this.store.touch(doc);
  }

  private complete(docId: string, outcome?: 'DONE' | 'FAIL'): void {
    const job = this.jobs.get(docId);
    const doc = this.liveDoc(docId);
    this.cancel(docId);
    if (!job || !doc) return;
    const seconds = (Date.now() - job.startedAt) / 1000;
    const fail = outcome === 'FAIL' || (outcome === undefined && job.failWith !== undefined);
    const prefix = doc.progressMsg ? `${doc.progressMsg}\n` : '';
    if (fail) {
      doc.run = '4';
      doc.progress = -1;
      doc.progressMsg = `${prefix}${clock()} [ERROR]${job.failWith ?? DEFAULT_FAIL_MESSAGE}`;
    } else {
      const chunks = chunksOfFile(doc.filePath);
      doc.run = '3';
      doc.progress = 1;
      doc.chunkNum = chunks.length;
      doc.tokenNum = chunks.reduce((n, c) => n + c.tokens, 0);
      doc.progressMsg = `${prefix}${clock()} Finished chunking. ${chunks.length} chunks.\n${clock()} Task done (${seconds.toFixed(2)}s)`;
    }
    doc.processDuration = seconds;
    this.store.touch(doc);
  }

  /** The doc if it still exists and is still RUNNING under this simulation. */
  private liveDoc(docId: string): DocRecord | undefined {
    const doc = this.store.doc(docId);
    if (!doc || doc.run !== '1' || !this.jobs.has(docId)) return undefined;
    return doc;
  }

  /** A document seeded as RUNNING counts towards the high-water mark like one this simulation runs. */
  noteSeeded(doc: DocRecord): void {
    if (doc.run === '1') this.noteMayRun(doc);
  }

  private noteMayRun(doc: DocRecord): void {
    let docs = this.mayRun.get(doc.kbId);
    if (docs === undefined) this.mayRun.set(doc.kbId, (docs = new Set()));
    docs.add(doc);
  }

  private noteRunning(kbId: string): void {
    const docs = this.mayRun.get(kbId) ?? new Set<DocRecord>();
    let running = 0;
    for (const d of docs) {
      if (d.run === '1' && this.store.doc(d.id) === d) running += 1;
      else docs.delete(d);
    }
    if (running > (this.highWater.get(kbId) ?? 0)) this.highWater.set(kbId, running);
  }
}

function matches(match: string | RegExp, name: string): boolean {
  return typeof match === 'string' ? match === name : match.test(name);
}
