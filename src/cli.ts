#!/usr/bin/env node
// Entry point: argv → command. The only module that calls process.exit.
import { VERSION } from './version.js';

const HELP = `ragflow-sync ${VERSION}: keep RAGFlow knowledge bases an exact mirror of folders on disk

Usage:
  ragflow-sync --config FILE                 run the watching daemon until SIGTERM/SIGINT
  ragflow-sync --config FILE --sync          reconcile every folder once, then exit
  ragflow-sync --version | --help
`;

const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-V')) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}
process.stdout.write(HELP);
process.exit(args.includes('--help') || args.includes('-h') ? 0 : 64);
