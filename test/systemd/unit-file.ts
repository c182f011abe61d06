// Reads systemd unit files the way the tests need: directives by section, comments, Exec commands.
// A test helper, not a full implementation of systemd's parser: it handles what our units use
// (sections, `#`/`;` comments, repeated keys, backslash continuations).

export interface Directive {
  readonly section: string;
  readonly key: string;
  readonly value: string;
  /** 1-based line where the directive starts. */
  readonly line: number;
}

export interface UnitFile {
  readonly lines: readonly string[];
  readonly directives: readonly Directive[];
}

export function parseUnitFile(text: string): UnitFile {
  const lines = text.split('\n');
  const directives: Directive[] = [];
  let section = '';
  for (let index = 0; index < lines.length; index++) {
    const startLine = index + 1;
    let raw = (lines[index] ?? '').trim();
    if (raw === '' || raw.startsWith('#') || raw.startsWith(';')) continue;
    if (raw.startsWith('[') && raw.endsWith(']')) {
      section = raw.slice(1, -1);
      continue;
    }
    // A trailing backslash joins the next line (systemd replaces it with a space).
    while (raw.endsWith('\\') && index + 1 < lines.length) {
      index++;
      raw = `${raw.slice(0, -1)} ${(lines[index] ?? '').trim()}`;
    }
    const equals = raw.indexOf('=');
    if (equals <= 0) throw new Error(`line ${startLine}: not a directive: ${raw}`);
    directives.push({ section, key: raw.slice(0, equals).trim(), value: raw.slice(equals + 1).trim(), line: startLine });
  }
  return { lines, directives };
}

/** Every value of `key` in `section`, in file order (systemd keys may repeat). */
export function valuesOf(unit: UnitFile, section: string, key: string): string[] {
  return unit.directives.filter((d) => d.section === section && d.key === key).map((d) => d.value);
}

/** The single value of `key` in `section`; throws when it is missing or repeated. */
export function valueOf(unit: UnitFile, section: string, key: string): string {
  const values = valuesOf(unit, section, key);
  if (values.length !== 1) throw new Error(`[${section}] ${key}: expected one value, found ${values.length}`);
  return values[0]!;
}

/** `# Key=...` lines: settings shipped commented out, as documented alternatives. */
export function commentedKeys(unit: UnitFile): string[] {
  return unit.lines.flatMap((line) => {
    const match = /^\s*#\s*([A-Z][A-Za-z]+)=/.exec(line);
    return match?.[1] === undefined ? [] : [match[1]];
  });
}

/** The program an Exec*= line runs: the first word, without systemd's prefixes (@ - : + ! |). */
export function execProgram(value: string): string {
  const withoutPrefixes = value.replace(/^[@\-:+!|]+/, '');
  const program = withoutPrefixes.split(/\s+/)[0];
  if (program === undefined || program === '') throw new Error(`empty command line: ${value}`);
  return program;
}

const TIME_UNITS_MS: Record<string, number> = {
  ms: 1, msec: 1, s: 1000, sec: 1000, second: 1000, seconds: 1000, '': 1000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hour: 3_600_000, hours: 3_600_000,
};

/** Parses a systemd time span such as "30s", "1min 30s" or "90" (seconds) into milliseconds. */
export function parseTimeSpanMs(value: string): number {
  const parts = value.trim().split(/\s+/);
  let total = 0;
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(part);
    const factor = match ? TIME_UNITS_MS[match[2] ?? ''] : undefined;
    if (!match || factor === undefined) throw new Error(`not a time span this helper knows: ${value}`);
    total += Number(match[1]) * factor;
  }
  return total;
}
