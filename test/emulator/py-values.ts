// Python value semantics the routes need: int() parsing, truthiness, and pydantic-style messages.
import { pyException, pyRepr } from './pyrepr.js';

/** int(s) for a str: surrounding blanks allowed, optional sign, digits (underscores between digits). */
export function pyInt(s: string): number | undefined {
  const t = s.trim();
  if (!/^[+-]?\d+(_\d+)*$/u.test(t)) return undefined;
  return Number.parseInt(t.replaceAll('_', ''), 10);
}

/** repr() of the ValueError int() raises for a bad literal. */
export function intValueError(s: string): string {
  return pyException('ValueError', `invalid literal for int() with base 10: ${pyRepr(s)}`);
}

export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** str(value) as format_validation_error_message prints the input (cut to 128 characters). */
export function pyStrValue(v: unknown): string {
  const s = typeof v === 'string' ? v : pyRepr(v);
  return s.length > 128 ? `${s.slice(0, 125)}...` : s;
}

/** One pydantic error line: `Field: <loc> - Message: <msg> - Value: <input>`. */
export function pydanticLine(loc: string, msg: string, input: unknown): string {
  return `Field: <${loc}> - Message: <${msg}> - Value: <${pyStrValue(input)}>`;
}

/** type(value).__name__ for a JSON value (undefined = a missing body = None). */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** repr() of the AttributeError Python raises for `value.<attr>` on the wrong type. */
export function attributeError(value: unknown, attr: string): string {
  return pyException('AttributeError', `'${pyTypeName(value)}' object has no attribute '${attr}'`);
}

export function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
