/**
 * The first REST API (`/api/…`, deprecated) is an alias of `/api/v1`: each of its paths is rewritten,
 * before routing, to the v1 route that answers it, so it has no handler, key check or decoration of
 * its own. `/api/messages` (Teams) and `/api/docs` are not among them.
 */
const aliased = /^\/api\/(?:surveys|stats|customers|staff|invitations|links)(?=[/?]|$)/;
const exported = /^\/api\/export\.(csv|jsonl)(?=\?|$)/;

/** The URL that answers `url`: the v1 path for a first-version path, else `url` itself. */
export function deprecatedApiAlias(url: string): string {
  if (aliased.test(url)) return `/api/v1${url.slice('/api'.length)}`;
  const format = exported.exec(url);
  if (!format) return url;
  const query = url.slice(format[0].length + 1);
  return `/api/v1/surveys/export?format=${format[1]}${query ? `&${query}` : ''}`;
}
