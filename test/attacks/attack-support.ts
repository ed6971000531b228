import pg from 'pg';

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** A request whose answer is kept as text: attacks get answers that are not always JSON. */
export async function raw(
  method: string,
  url: string,
  options: { token?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body,
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A refusal the way every client relies on it: 4xx, problem+json, a stable code, nothing internal. */
export function expectCleanRefusal(response: RawResponse): void {
  // The text rides along so that a failure shows what came back.
  expect({
    clientError: response.status >= 400 && response.status < 500,
    text: response.text.slice(0, 300),
  }).toEqual({
    clientError: true,
    text: expect.any(String),
  });
  expect(response.headers.get('content-type') ?? '').toContain('application/problem+json');
  const body = JSON.parse(response.text) as Record<string, unknown>;
  expect(body).toMatchObject({ status: response.status, code: expect.stringMatching(/^[a-z_]+\.[a-z_.]+$/) });
  expectNoInternals(response.text);
}

/** No stack frames, SQL, driver or file-system detail in an answer. */
export function expectNoInternals(text: string): void {
  expect(text).not.toMatch(
    /\bat [\w.<>]+ \(|node_modules|\/work\/|\.ts:\d+|QueryFailedError|SELECT .* FROM|syntax error at|pg_|ECONNREFUSED/i,
  );
}

/** Every user table of a database as text, bytea as hex: a pg_dump-like scan in SQL. */
export async function dumpAllTables(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      `SELECT schemaname AS schema, tablename AS name FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
    );
    const chunks: string[] = [];
    for (const { schema, name } of tables.rows) {
      const rows = await client.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)} t`,
      );
      for (const { row } of rows.rows) chunks.push(`${schema}.${name} ${row}`);
    }
    return chunks.join('\n');
  } finally {
    await client.end();
  }
}
