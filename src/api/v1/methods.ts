import { AppError } from '../../errors.js';

/** A method the path does not answer (RFC 9110: 405 with the methods it does answer in `Allow`). */
export class MethodNotAllowedError extends AppError {
  override readonly statusCode = 405;
  override readonly expected = true;

  constructor(
    method: string,
    readonly allow: readonly string[],
  ) {
    super(`${method} is not allowed here; use ${allow.join(', ')}`);
  }
}

interface PathRoutes {
  url: string;
  pattern: RegExp;
  params: number;
  methods: Set<string>;
}

/**
 * The methods each path answers, learnt as routes are added, so a known path asked with another
 * method gets 405 and `Allow` instead of 404. A static path is preferred to a parametric one that
 * also matches (`/surveys/export` before `/surveys/:id`), as the router does.
 */
export class RouteMethods {
  private readonly paths = new Map<string, PathRoutes>();

  add(url: string, method: string | string[]): void {
    let path = this.paths.get(url);
    if (!path) {
      const pattern = new RegExp(`^${url.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`);
      this.paths.set(url, (path = { url, pattern, params: (url.match(/\/:/g) ?? []).length, methods: new Set() }));
    }
    for (const m of [method].flat()) path.methods.add(m.toUpperCase());
  }

  /** The methods `path` answers (empty when no route has this path). */
  allowed(path: string): string[] {
    const matches = [...this.paths.values()].filter((p) => p.pattern.test(path));
    if (!matches.length) return [];
    const fewest = Math.min(...matches.map((p) => p.params));
    const methods = new Set(matches.filter((p) => p.params === fewest).flatMap((p) => [...p.methods]));
    return [...methods].sort();
  }
}
