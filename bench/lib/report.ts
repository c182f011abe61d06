// One benchmark row as printed and stored, and the table in text and Markdown.

export interface Row {
  /** The row number: '1', '1b', '2' … '9'; growth rows add the size ('1@10k'). */
  readonly id: string;
  readonly measure: string;
  readonly baseline: string;
  readonly ours: string;
  readonly ratio: string;
  readonly target: string;
  /** undefined: reported only, no target to pass or fail. */
  readonly pass: boolean | undefined;
  readonly note?: string;
  /** Raw numbers for results.json. */
  readonly data: Record<string, unknown>;
}

const HEADERS = ['#', 'measure', 'baseline (same run)', 'ours', 'ratio', 'target', 'result'] as const;

function cells(row: Row): string[] {
  return [row.id, row.measure, row.baseline, row.ours, row.ratio, row.target, verdict(row)];
}

export function verdict(row: Row): string {
  return row.pass === undefined ? 'info' : row.pass ? 'pass' : 'FAIL';
}

export function textTable(rows: readonly Row[]): string {
  const table = [HEADERS as readonly string[], ...rows.map(cells)];
  const widths = HEADERS.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length)));
  const render = (line: readonly string[]) => line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  const out = [render(table[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const line of table.slice(1)) out.push(render(line));
  const notes = rows.filter((row) => row.note).map((row) => `  [${row.id}] ${row.note ?? ''}`);
  return [...out, ...(notes.length > 0 ? ['', 'notes:', ...notes] : [])].join('\n');
}

export function markdownTable(rows: readonly Row[]): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  const lines = [`| ${HEADERS.join(' | ')} |`, `|${HEADERS.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${cells(row).map(escape).join(' | ')} |`);
  const notes = rows.filter((row) => row.note).map((row) => `- **${row.id}**: ${row.note ?? ''}`);
  return [...lines, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}
