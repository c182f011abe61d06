// Fault injection for client tests: which request gets which fault, and how many times.
// These model the proxy / network in front of RAGFlow (RAGFlow itself never rate-limits, §7).
import type { FaultAction, FaultRule } from './types.js';

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

export class FaultBook {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!(times > 0)) throw new RangeError(`FaultRule.times must be > 0 (got ${String(rule.times)})`);
    this.rules.push({ rule, remaining: times });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first rule matching this request, used up by one; undefined when none applies. */
  take(method: string, path: string): FaultAction | undefined {
    for (const active of this.rules) {
      if (active.remaining <= 0 || !matches(active.rule, method, path)) continue;
      active.remaining -= 1;
      this.rules = this.rules.filter((r) => r.remaining > 0);
      return active.rule.action;
    }
    return undefined;
  }
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (rule.path === undefined) return true;
  if (typeof rule.path === 'string') return rule.path === path;
  rule.path.lastIndex = 0;
  return rule.path.test(path);
}

/** What a reverse proxy answers for an error status (nginx-like HTML), unless the rule gives a body. */
export function proxyErrorBody(status: number): string {
  const reason: Record<number, string> = {
    413: 'Request Entity Too Large',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Temporarily Unavailable',
    504: 'Gateway Time-out',
  };
  const text = `${status} ${reason[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${text}</title></head>\r\n<body>\r\n<center><h1>${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}
