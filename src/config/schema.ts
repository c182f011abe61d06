// The configuration file's shape, defaults and meaning: the single source for validation and the JSON Schema.
import { z } from 'zod';
import { isLoopbackHost, parseListenAddress } from './listen-address.js';

const nonEmpty = (what: string) => z.string().trim().min(1, { message: `expected ${what}` });

export const folderSchema = z
  .strictObject({
    path: nonEmpty('the folder to mirror (absolute, or relative to the config file)').describe(
      'Folder to mirror; relative paths resolve against the config file’s folder.',
    ),
    kb: nonEmpty('the knowledge base (dataset) name').describe('Name of the RAGFlow knowledge base (dataset).'),
    parserId: nonEmpty('a RAGFlow chunk method such as "naive"').default('naive').describe(
      'RAGFlow parser (chunk method) for uploaded documents.',
    ),
    include: z
      .array(nonEmpty('a glob'))
      .min(1, { message: 'expected at least one glob; leave the key out to include everything' })
      .default(['**/*'])
      .describe('Globs (relative to the folder) of files to mirror.'),
    exclude: z.array(nonEmpty('a glob')).default([]).describe('Globs of files and folders to leave out.'),
    maxFileSizeMB: z
      .number()
      .positive({ message: 'expected a size in MB greater than 0' })
      .default(1024)
      .describe('Files larger than this are skipped (RAGFlow’s own default limit is 1024 MB).'),
    deleteExcluded: z
      .boolean()
      .default(false)
      .describe('Delete documents of files that a narrowed include/exclude or size limit now leaves out.'),
    maxDeletePercent: z
      .number()
      .min(0)
      .max(100)
      .default(50)
      .describe('A run deleting more than this share of the folder’s documents (and more than 10) is held.'),
    rules: z
      .array(
        z.strictObject({
          match: nonEmpty('a glob such as "**/*.xlsx"').describe('Glob (relative to the folder) of the files this rule applies to.'),
          parserId: nonEmpty('a RAGFlow chunk method such as "table"').describe('Parser (chunk method) for the matching files.'),
        }),
      )
      .default([])
      .describe('Parser rules: the first rule whose glob matches a file picks its parser, else the folder’s parserId. Changing them re-parses the affected documents without re-uploading (v1 API).'),
    deleteMode: z
      .enum(['delete', 'disable'], { message: 'expected "delete" or "disable"' })
      .default('delete')
      .describe('"disable": a vanished file’s document is disabled (hidden from retrieval) and deleted only after deleteGraceHours; a file that comes back re-enables it (v1 API; legacy deletes).'),
    maxParsing: z
      .int({ message: 'expected a whole number' })
      .min(1)
      .default(8)
      .describe('At most this many documents of the folder parse at once (v1); further parse requests wait, so a bulk load does not flood RAGFlow’s task queue.'),
    parseRetries: z.int({ message: 'expected a whole number' }).min(0).default(2).describe('A failed parse is requested again this many times before it is reported (v1).'),
    parseTimeoutMinutes: z
      .number()
      .min(0)
      .default(30)
      .describe('How long a run follows parsing before it stops waiting (parsing goes on in RAGFlow; the next run looks again). 0 = do not follow.'),
    deleteGraceHours: z
      .number()
      .min(0)
      .default(24)
      .describe('With deleteMode "disable": how long a disabled document waits for its file before it is deleted.'),
  })
  .describe('One folder mirrored into one knowledge base.');

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  server: z.strictObject({
    url: z
      .url({ protocol: /^https?$/, message: 'expected an http(s) URL such as "http://127.0.0.1:9380"' })
      .describe('Base URL of the RAGFlow server.'),
    apiKey: nonEmpty('the RAGFlow API key ("ragflow-…")').optional().describe(
      'API key; RAGFLOW_API_KEY in the environment wins. Prefer apiKeyFile or the environment.',
    ),
    apiKeyFile: nonEmpty('a path to a file holding the API key').optional().describe(
      'File holding the API key (e.g. a systemd credential).',
    ),
    api: z
      .enum(['auto', 'legacy', 'v1'], { message: 'expected "auto", "legacy" or "v1"' })
      .default('auto')
      .describe('Which RAGFlow HTTP API to use: v1 (/api/v1, RAGFlow ≥ 0.13), legacy (/v1/api, ≤ 0.22.0), or auto.'),
    requestTimeoutSeconds: z.number().positive().default(120).describe('Deadline for one non-upload request.'),
  }),
  stateFile: nonEmpty('a path for the state file').default('state.json').describe(
    'State file (JSON); relative paths resolve against the config file’s folder.',
  ),
  rateLimit: z
    .strictObject({
      requestsPerSecond: z
        .number()
        .positive({ message: 'expected a number of requests per second greater than 0' })
        .default(5),
      concurrency: z.int({ message: 'expected a whole number' }).min(1, { message: 'expected at least 1' }).default(2),
    })
    .prefault({})
    .describe('Every server request counts: no sliding second holds more requests than requestsPerSecond, whether counted where they start or where the server receives them.'),
  daemon: z
    .strictObject({
      quietWindowMs: z
        .int()
        .min(0)
        .default(1000)
        .describe('A changed path is examined once it has been quiet this long (waits out partial writes).'),
      rescanIntervalMinutes: z.number().min(0).default(60).describe('Full reconcile period while watching (0 = never).'),
      drainTimeoutSeconds: z.number().min(0).default(20).describe('On SIGTERM, how long in-flight requests may finish.'),
      usePolling: z.boolean().default(false).describe('Poll instead of inotify (network file systems).'),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      listen: z
        .string()
        .superRefine((value, ctx) => {
          const parsed = parseListenAddress(value);
          if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem, input: value });
        })
        .optional()
        .describe('Address for /healthz, /metrics (Prometheus) and the status page at /, e.g. "127.0.0.1:9464". Off when absent.'),
      allowNonLoopback: z
        .boolean()
        .default(false)
        .describe('Let metrics.listen be a non-loopback address. The endpoint has no authentication: put it behind a firewall or proxy.'),
    })
    .superRefine((metrics, ctx) => {
      const parsed = metrics.listen === undefined ? undefined : parseListenAddress(metrics.listen);
      if (parsed?.ok && !metrics.allowNonLoopback && !isLoopbackHost(parsed.value.host)) {
        ctx.addIssue({
          code: 'custom',
          path: ['listen'],
          input: metrics.listen,
          message: 'expected a loopback address such as "127.0.0.1:9464" (the endpoint has no authentication); set metrics.allowNonLoopback to true to listen there anyway',
        });
      }
    })
    .prefault({})
    .describe('Optional loopback HTTP endpoint of the daemon: health, Prometheus metrics and a status page.'),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    })
    .prefault({}),
  folders: z.array(folderSchema).min(1, { message: 'expected at least one folder to mirror' }),
});

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type FolderConfigParsed = z.output<typeof folderSchema>;
