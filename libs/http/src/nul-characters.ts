/**
 * Whether a parsed input (path parameters, query, JSON body) holds U+0000 in any string or key.
 * PostgreSQL text and jsonb cannot store it: left in, it fails the query and the audit append alike,
 * so a caller could turn any request into an unaudited 503. Walked without recursion, because a
 * JSON body may be nested far deeper than the call stack allows. Only arrays and plain objects are
 * entered, each once: a multipart body holds file parts with streams and links back to the body itself.
 */
export function carriesNulCharacter(input: unknown): boolean {
  const pending: unknown[] = [input];
  const entered = new Set<object>();
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (isContainer(value) && !entered.has(value)) {
      entered.add(value);
      if (Array.isArray(value)) {
        pending.push(...(value as unknown[]));
        continue;
      }
      for (const [key, member] of Object.entries(value)) {
        if (key.includes('\u0000')) return true;
        pending.push(member);
      }
    }
  }
  return false;
}

function isContainer(value: unknown): value is object {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  // Plain objects, and objects with no Object.prototype above them (parsed parameters, queries).
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || prototype === Object.prototype || Object.getPrototypeOf(prototype) === null;
}
