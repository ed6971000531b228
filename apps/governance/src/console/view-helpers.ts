/** The few pure helpers the console's templates use; none reads files, the environment or the request. */
export function registerViewHelpers(handlebars: typeof import('handlebars')): void {
  handlebars.registerHelper('eq', (left: unknown, right: unknown) => left === right);
  handlebars.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  handlebars.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  handlebars.registerHelper('not', (value: unknown) => !value);
  handlebars.registerHelper('dateTime', (value: unknown) => formatDateTime(value));
  handlebars.registerHelper('math-add', (left: number, right: number) => left + right);
  handlebars.registerHelper('math-sub', (left: number, right: number) => left - right);
  handlebars.registerHelper('json', (value: unknown) => JSON.stringify(value, null, 2));
}

/** `2026-11-29 15:40:11 UTC`: one unambiguous format for every time on every page. */
export function formatDateTime(value: unknown): string {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) return '';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
