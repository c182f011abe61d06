// Bundles the CLI into dist/ over the tsc output: `cli.js` (the bin: SIGHUP handler and the early scan
// thread, see src/cli.ts), `main.js` (everything else, loaded by cli.js) and `scan-worker.js` (the scan
// thread). Why: a no-op `--sync` starts a process each time, and Node 20 (no compile cache) spent ~0.15 s
// of it resolving and reading the ~300 files of our code, zod and undici one by one. The entry stays a
// separate small file so the scan thread starts before the big bundle is even parsed. dist/ keeps tsc's
// per-module files too (the bundles do not use them).
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

/** src/cli.ts imports './cli/main.js': in the bundle that is the separate main.js beside it. */
const mainStaysSeparate: Plugin = {
  name: 'main-stays-separate',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\/cli\/main\.js$/ }, (args) => (args.importer.endsWith('/src/cli.ts') ? { path: './main.js', external: true } : undefined));
  },
};

/** Chunk names carry a content hash: the ones of an earlier build would pile up in dist/. */
const CHUNK_PREFIX = 'bundle-';
for (const name of readdirSync('dist')) if (name.startsWith(CHUNK_PREFIX)) rmSync(path.join('dist', name));

await build({
  entryPoints: { cli: 'src/cli.ts', main: 'src/cli/main.ts', 'scan-worker': 'src/adapters/scan-worker.ts' },
  outdir: 'dist',
  bundle: true,
  // Dynamic imports become chunks of their own: `--sync --skip-listing` with nothing to do never loads the
  // engine (src/settled-run.ts), and --sync never loads the daemon's watcher.
  splitting: true,
  chunkNames: `${CHUNK_PREFIX}[name]-[hash]`,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  plugins: [mainStaysSeparate],
  // Loaded on demand with require() from node_modules (a terminal's pretty log output).
  external: ['pino-pretty'],
  // Bundled CommonJS packages (undici, pino) call require() for Node's built-in modules.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  logLevel: 'warning',
});
