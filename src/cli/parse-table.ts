// The parse part of `status` for people: counts per state, then a table of the documents not yet DONE
// (running, waiting, failed) with progress and the server's message.
import { PARSE_STATES, shortMessage, type DocumentParse, type ParseSummary } from '../status/parse-states.js';

const MAX_ROWS = 100;
const MAX_PATH = 60;

export function formatParse(summary: ParseSummary): string {
  const lines: string[] = [];
  const counts = PARSE_STATES.filter((state) => (summary.counts[state] ?? 0) > 0).map((state) => `${summary.counts[state]} ${state}`);
  const missing = summary.missing > 0 ? ` (${summary.missing} tracked document${summary.missing === 1 ? '' : 's'} not on the server)` : '';
  lines.push(`  parsing: ${counts.length > 0 ? counts.join(' · ') : 'no documents'}${missing}`);
  const open = summary.documents.filter((d) => d.run !== 'DONE');
  if (open.length === 0) return lines.join('\n');
  // Failures first: they need a person; then what is still moving.
  const order = (d: DocumentParse) => ['FAIL', 'CANCEL', 'RUNNING', 'UNSTART', 'UNKNOWN'].indexOf(d.run);
  const rows = [...open].sort((a, b) => order(a) - order(b)).slice(0, MAX_ROWS);
  const table = [['PATH', 'STATE', 'PROGRESS', 'MESSAGE'], ...rows.map((d) => [clipPath(d.path), d.run, formatProgress(d), shortMessage(d.message)])];
  const widths = [0, 1, 2].map((col) => Math.max(...table.map((row) => (row[col] ?? '').length)));
  for (const row of table) {
    lines.push(`    ${row.map((cell, col) => (col < 3 ? cell.padEnd(widths[col] ?? 0) : cell)).join('  ')}`.trimEnd());
  }
  if (open.length > rows.length) lines.push(`    … and ${open.length - rows.length} more (see status --json)`);
  return lines.join('\n');
}

export function formatProgress(doc: DocumentParse): string {
  if (doc.progress === undefined || doc.progress < 0) return '-';
  return `${Math.round(Math.min(doc.progress, 1) * 100)}%`;
}

function clipPath(path: string): string {
  return path.length > MAX_PATH ? `…${path.slice(path.length - MAX_PATH + 1)}` : path;
}
