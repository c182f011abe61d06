// Document-list metadata filters (§5.4 `metadata_condition`, 0.25+ `metadata`): parsing with RAGFlow's
// messages, and a filter over meta_fields covering the common comparison operators.
import { isDict } from './py-values.js';
import type { DocRecord } from './store.js';

export type MetadataFilter = { ok: true; keep: (doc: DocRecord) => boolean } | { ok: false; message: string };

interface Condition {
  name?: unknown;
  comparison_operator?: unknown;
  value?: unknown;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v) ?? '';
}

function values(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(text);
  if (v === undefined || v === null) return [];
  return [text(v)];
}

function test(cond: Condition, doc: DocRecord): boolean {
  const field = doc.metaFields[text(cond.name ?? '')];
  const have = values(field);
  const want = text(cond.value ?? '');
  const num = (s: string): number => Number(s);
  switch (text(cond.comparison_operator ?? 'is')) {
    case 'is':
    case '=':
      return have.includes(want);
    case 'not is':
    case '≠':
      return !have.includes(want);
    case 'contains':
      return have.some((h) => h.includes(want));
    case 'not contains':
      return !have.some((h) => h.includes(want));
    case 'start with':
      return have.some((h) => h.startsWith(want));
    case 'end with':
      return have.some((h) => h.endsWith(want));
    case 'empty':
      return have.length === 0;
    case 'not empty':
      return have.length > 0;
    case '>':
      return have.some((h) => num(h) > num(want));
    case '<':
      return have.some((h) => num(h) < num(want));
    case '≥':
      return have.some((h) => num(h) >= num(want));
    case '≤':
      return have.some((h) => num(h) <= num(want));
    default:
      return false;
  }
}

function parse(raw: string | undefined): { ok: true; value: unknown } | { ok: false } {
  if (raw === undefined) return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

const truthy = (v: unknown): boolean => (Array.isArray(v) ? v.length > 0 : isDict(v) ? Object.keys(v).length > 0 : Boolean(v));

/** style 'sdk' (≤0.24): metadata_condition only; 'restful' (0.25+): also `metadata` {key: value|[values]}. */
export function metadataFilter(conditionRaw: string | undefined, metadataRaw: string | undefined, style: 'sdk' | 'restful'): MetadataFilter {
  const cond = parse(conditionRaw);
  if (!cond.ok) {
    return { ok: false, message: style === 'restful' ? `metadata_condition must be valid JSON: ${conditionRaw ?? ''}.` : 'metadata_condition must be valid JSON.' };
  }
  if (truthy(cond.value) && !isDict(cond.value)) return { ok: false, message: 'metadata_condition must be an object.' };
  let meta: unknown = {};
  if (style === 'restful') {
    const m = parse(metadataRaw);
    if (!m.ok) return { ok: false, message: 'metadata must be valid JSON.' };
    if (truthy(m.value) && !isDict(m.value)) return { ok: false, message: 'metadata must be an object.' };
    meta = m.value;
  }
  const c = isDict(cond.value) ? cond.value : {};
  const conditions = Array.isArray(c['conditions']) ? (c['conditions'] as Condition[]) : [];
  const logic = c['logic'] === 'or' ? 'or' : 'and';
  const pairs = isDict(meta) ? Object.entries(meta).filter(([, v]) => truthy(v)) : [];
  return {
    ok: true,
    keep: (doc) => {
      if (conditions.length > 0) {
        const hits = conditions.map((x) => test(x, doc));
        if (logic === 'or' ? !hits.some(Boolean) : !hits.every(Boolean)) return false;
      }
      return pairs.every(([key, v]) => values(v).some((want) => values(doc.metaFields[key]).includes(want)));
    },
  };
}
