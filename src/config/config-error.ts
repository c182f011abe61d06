// A configuration mistake: names the field, what is expected and what was found. The CLI exits 78 on it.
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config-invalid' as const;
  constructor(
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(problems.join('\n'), options);
  }
}
