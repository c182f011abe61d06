// Document-name rules of RAGFlow: duplicate renaming (§4.1), file types (§4.4), Python path helpers.

/** Python's PurePosixPath(name).name: the last non-empty component ('' for '/' or ''). */
export function pathName(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  return parts.at(-1) ?? '';
}

/** Python's PurePath(name).suffix: last '.' of the final component, not leading, not trailing. */
export function pathSuffix(name: string): string {
  const base = pathName(name);
  const i = base.lastIndexOf('.');
  return i > 0 && i < base.length - 1 ? base.slice(i) : '';
}

/** Python's PurePath(name).stem. */
export function pathStem(name: string): string {
  const base = pathName(name);
  const suffix = pathSuffix(base);
  return suffix ? base.slice(0, base.length - suffix.length) : base;
}

/** Python's str.rstrip() (whitespace). */
function rstrip(s: string): string {
  return s.replace(/\s+$/u, '');
}

export type DuplicateNameStyle = 'regex' | 'purepath';

/**
 * duplicate_name(): the name a new document gets when `taken(name)` says it is used.
 * regex (≤0.19.0): keeps the directory, `dir/a.txt` → `dir/a(1).txt`, recursion without limit.
 * purepath (≥0.19.1): drops the directory, `dir/a.txt` → `a(1).txt`, at most 1000 tries.
 */
export function duplicateName(name: string, taken: (candidate: string) => boolean, style: DuplicateNameStyle): string {
  let current = name;
  for (let tries = 0; tries <= 1000; tries++) {
    if (!taken(current)) return current;
    current = style === 'regex' ? nextRegexName(current) : nextPurePathName(current);
  }
  // RAGFlow raises RuntimeError after 1000 tries (purepath); the regex version would recurse on.
  throw new DuplicateNameExhausted(name);
}

export class DuplicateNameExhausted extends Error {
  readonly code = 'DUPLICATE_NAME_EXHAUSTED';
  constructor(readonly original: string) {
    super(`Failed to generate unique name within 1000 attempts. Original: ${original}`);
  }
}

function nextRegexName(fnm: string): string {
  // ext = Path(fnm).suffix; nm = re.sub(ext + "$", "", fnm): the suffix is cut off the whole string,
  // so the directory part stays.
  const ext = pathSuffix(fnm);
  let nm = ext && fnm.endsWith(ext) ? fnm.slice(0, fnm.length - ext.length) : fnm;
  const m = /\(([0-9]+)\)$/u.exec(nm);
  let c = 0;
  if (m) {
    c = Number.parseInt(m[1] ?? '0', 10);
    nm = nm.slice(0, nm.length - m[0].length);
  }
  c += 1;
  return `${nm}(${c})${ext}`;
}

function nextPurePathName(current: string): string {
  const stem = pathStem(current);
  const suffix = pathSuffix(current);
  const m = /^(.*?)\((\d+)\)$/su.exec(stem);
  if (m) return `${rstrip(m[1] ?? '')}(${Number.parseInt(m[2] ?? '0', 10) + 1})${suffix}`;
  return `${stem}(1)${suffix}`;
}

/** FileType values (api/db/__init__.py). */
export type FileType = 'pdf' | 'doc' | 'visual' | 'aural' | 'virtual' | 'folder' | 'other';

export type FileTypeTable = '0.19' | '0.21' | '0.24' | '0.27';

const DOC_BASE =
  'doc|docx|ppt|pptx|yml|xml|htm|json|csv|txt|ini|xls|xlsx|wps|rtf|hlp|pages|numbers|key|md|py|js|java|c|cpp|h|php|go|ts|sh|cs|kt|html|sql';
const AURAL = 'wav|flac|ape|alac|wavpack|wv|mp3|aac|ogg|vorbis|opus';
// 'WMF' is upper-case in RAGFlow's regex and the name is lower-cased first, so .wmf never matches.
const VISUAL_BASE =
  'jpg|jpeg|png|tif|gif|pcx|tga|exif|fpx|svg|psd|cdr|pcd|dxf|ufo|eps|ai|raw|WMF|webp|avif|apng|icon|ico|mpg|mpeg|avi|rm|rmvb|mov|wmv|asf|dat|asx|wvx|mpe|mpa|mp4';

const TABLES: Record<FileTypeTable, { doc: RegExp; aural: RegExp; visual: RegExp; basename: boolean }> = {
  '0.19': {
    doc: new RegExp(`^.*\\.(eml|${DOC_BASE})$`, 'u'),
    aural: new RegExp(`^.*\\.(${AURAL})$`, 'u'),
    visual: new RegExp(`^.*\\.(${VISUAL_BASE})$`, 'u'),
    basename: false,
  },
  '0.21': {
    doc: new RegExp(`^.*\\.(msg|eml|jsonl|ldjson|${DOC_BASE})$`, 'u'),
    aural: new RegExp(`^.*\\.(${AURAL})$`, 'u'),
    visual: new RegExp(`^.*\\.(${VISUAL_BASE})$`, 'u'),
    basename: false,
  },
  '0.24': {
    doc: new RegExp(`^.*\\.(msg|eml|jsonl|ldjson|mdx|${DOC_BASE})$`, 'u'),
    aural: new RegExp(`^.*\\.(${AURAL})$`, 'u'),
    visual: new RegExp(`^.*\\.(mkv|${VISUAL_BASE})$`, 'u'),
    basename: false,
  },
  '0.27': {
    doc: new RegExp(`^.*\\.(msg|eml|jsonl|ldjson|mdx|epub|${DOC_BASE})$`, 'u'),
    aural: new RegExp(`^.*\\.(${AURAL})$`, 'u'),
    visual: new RegExp(`^.*\\.(bmp|mkv|${VISUAL_BASE})$`, 'u'),
    basename: true,
  },
};

/** filename_type(): the FileType of a name, by lower-cased extension. */
export function filenameType(name: string, table: FileTypeTable): FileType {
  const t = TABLES[table];
  let n = name;
  if (t.basename) {
    // v0.27 looks at os.path.basename only, and an empty or over-long basename is "other".
    n = (n.split('/').at(-1) ?? '').trim();
    if (n === '' || n.length > 255) return 'other';
  }
  n = n.toLowerCase();
  // Python's `.` does not match a newline; neither does JS's without the s flag.
  if (/^.*\.pdf$/u.test(n)) return 'pdf';
  if (t.doc.test(n)) return 'doc';
  if (t.aural.test(n)) return 'aural';
  if (t.visual.test(n)) return 'visual';
  return 'other';
}

/** The parser a new document gets (FileService.get_parser / legacy upload overrides, §3.1, §4.4). */
export function forcedParser(type: FileType, name: string, emailIncludesMsg: boolean): string | undefined {
  if (type === 'visual') return 'picture';
  if (type === 'aural') return 'audio';
  // Case-sensitive in RAGFlow: `.PPTX` is not matched.
  if (/\.(ppt|pptx|pages)$/u.test(name)) return 'presentation';
  if (emailIncludesMsg ? /\.(msg|eml)$/u.test(name) : /\.(eml)$/u.test(name)) return 'email';
  return undefined;
}

/** UTF-8 length in bytes, what RAGFlow's name limits count. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
