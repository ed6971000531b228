/**
 * How a failed command reads on stderr. A problem shows as its reason code and detail (the codes
 * users search for in the README) with each located problem below it, not as an internal class
 * name. By name rather than `instanceof`: main.ts loads this before telemetry starts, so it must not
 * import the problem library (and Nest with it).
 */
export function describeCliError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name !== 'ProblemError') return `${error.name}: ${error.message}`;
  const items = (error as { errors?: readonly { path: string; message: string }[] }).errors ?? [];
  return [error.message, ...items.map(({ path, message }) => `  ${path}: ${message}`)].join('\n');
}
