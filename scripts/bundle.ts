// Bundles the CLI (and the scan worker) into single files over the tsc output. Why: a no-op `--sync`
// starts a process each time, and Node spent ~0.3 s resolving and compiling the ~300 files of our code,
// zod and undici one by one (Node 20 has no compile cache); one file per entry halves that. dist/ keeps
// tsc's per-module files too (the bundle does not use them; tools and tests may).
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'src/cli.ts', 'scan-worker': 'src/adapters/scan-worker.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Loaded on demand with require() from node_modules (a terminal's pretty log output).
  external: ['pino-pretty'],
  // Bundled CommonJS packages (undici, pino) call require() for Node's built-in modules.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  logLevel: 'warning',
});
