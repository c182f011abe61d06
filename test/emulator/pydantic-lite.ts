// Just enough of pydantic v2 (strict models) to reproduce RAGFlow's validation messages:
// `Field: <loc> - Message: <msg> - Value: <input>` lines, in field order, extra keys last.
import { isDict, pydanticLine } from './py-values.js';

export type Spec =
  | { kind: 'int'; ge?: number; le?: number; nullable?: boolean }
  | { kind: 'float'; ge?: number; le?: number; nullable?: boolean }
  | { kind: 'bool' }
  | { kind: 'str'; minLength?: number; nullable?: boolean }
  | { kind: 'literal'; values: readonly string[]; nullable?: boolean }
  | { kind: 'list'; items: Spec; nullable?: boolean }
  | { kind: 'dict'; nullable?: boolean }
  | { kind: 'any' }
  | { kind: 'model'; name: string; fields: Readonly<Record<string, Spec>>; extra: 'forbid' | 'ignore'; nullable?: boolean };

/** Which paths held a JSON number written as a float (2.0), so the echoed value reads like Python's. */
export type FloatPaths = ReadonlySet<string>;


function quoteList(values: readonly string[]): string {
  const q = values.map((v) => `'${v}'`);
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} or ${q.at(-1) ?? ''}`;
}

export function validate(spec: Spec, value: unknown, loc: string, floats: FloatPaths = new Set()): string[] {
  const line = (msg: string): string[] => [pydanticLine(loc, msg, floats.has(loc) && Number.isInteger(value) ? `${String(value)}.0` : value)];
  if (value === null && 'nullable' in spec && spec.nullable) return [];
  switch (spec.kind) {
    case 'any':
      return [];
    case 'int': {
      // Strict mode: no bools, no strings, no floats (even 3.0).
      if (typeof value !== 'number' || !Number.isInteger(value) || floats.has(loc)) return line('Input should be a valid integer');
      if (spec.ge !== undefined && value < spec.ge) return line(`Input should be greater than or equal to ${spec.ge}`);
      if (spec.le !== undefined && value > spec.le) return line(`Input should be less than or equal to ${spec.le}`);
      return [];
    }
    case 'float': {
      if (typeof value !== 'number') return line('Input should be a valid number');
      if (spec.ge !== undefined && value < spec.ge) return line(`Input should be greater than or equal to ${spec.ge}`);
      if (spec.le !== undefined && value > spec.le) return line(`Input should be less than or equal to ${spec.le}`);
      return [];
    }
    case 'bool':
      return typeof value === 'boolean' ? [] : line('Input should be a valid boolean');
    case 'str': {
      if (typeof value !== 'string') return line('Input should be a valid string');
      const min = spec.minLength ?? 0;
      if ([...value].length < min) return line(`String should have at least ${min} character${min === 1 ? '' : 's'}`);
      return [];
    }
    case 'literal':
      return typeof value === 'string' && spec.values.includes(value) ? [] : line(`Input should be ${quoteList(spec.values)}`);
    case 'list':
      if (!Array.isArray(value)) return line('Input should be a valid list');
      return value.flatMap((item, i) => validate(spec.items, item, `${loc}.${i}`, floats));
    case 'dict':
      return isDict(value) ? [] : line('Input should be a valid dictionary');
    case 'model': {
      if (!isDict(value)) return line(`Input should be a valid dictionary or instance of ${spec.name}`);
      const errors: string[] = [];
      for (const [key, sub] of Object.entries(spec.fields)) {
        if (key in value) errors.push(...validate(sub, value[key], `${loc}.${key}`, floats));
      }
      if (spec.extra === 'forbid') {
        for (const key of Object.keys(value)) {
          if (!(key in spec.fields)) errors.push(pydanticLine(`${loc}.${key}`, 'Extra inputs are not permitted', value[key]));
        }
      }
      return errors;
    }
  }
}

/** Paths (dotted, list indexes as numbers) of number literals with a '.', 'e' or 'E' in a JSON text. */
export function floatPathsOf(text: string): Set<string> {
  const out = new Set<string>();
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/u.test(text[i] ?? '')) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      while (i < text.length && text[i] !== '}') {
        ws();
        const key = str();
        ws();
        i++; // ':'
        value(path ? `${path}.${key}` : key);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '[') {
      i++;
      let n = 0;
      ws();
      while (i < text.length && text[i] !== ']') {
        value(path ? `${path}.${n}` : String(n));
        n++;
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '"') {
      str();
    } else {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?|^(true|false|null)/u.exec(text.slice(i, i + 400));
      if (!m) throw new SyntaxError('bad JSON');
      if (m[1] !== undefined || m[2] !== undefined) out.add(path);
      i += m[0].length;
    }
  };
  try {
    value('');
  } catch {
    return new Set();
  }
  return out;
}
