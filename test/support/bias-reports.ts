import { call, type JsonResponse } from './http.js';

/** A small evaluation file (CSV): 400 rows with a score and two sensitive attributes. */
export function evaluationCsv(rows = 400): string {
  const lines = ['label,prediction,score,sex,site'];
  for (let i = 0; i < rows; i++) {
    const label = i % 3 === 0 ? 1 : 0;
    const sex = i % 2 ? 'female' : 'male';
    const score = label ? 0.55 + (i % 40) / 100 : 0.05 + (i % 50) / 100;
    lines.push(`${label},${score >= 0.5 ? 1 : 0},${score.toFixed(3)},${sex},site-${i % 4}`);
  }
  return `${lines.join('\n')}\n`;
}

export const EVALUATION_MAPPING = 'label=label&prediction=prediction&score=score&sensitive=sex,site';

/** Uploads an evaluation file (the body) to `POST /bias-reports?query`. */
export async function uploadEvaluation(
  governance: string,
  token: string,
  body: string,
  query: string,
): Promise<JsonResponse> {
  const response = await fetch(`${governance}/bias-reports?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: JSON.parse(text) as Record<string, unknown>,
  };
}

/** Requests a bias report and waits for its job to finish; returns the report as `GET` shows it. */
export async function computedBiasReport(
  governance: string,
  token: string,
  query: string,
): Promise<{ id: string; reportSha256: string }> {
  const created = await uploadEvaluation(governance, token, evaluationCsv(), query);
  if (created.status !== 202) throw new Error(`bias report upload refused: ${JSON.stringify(created.body)}`);
  const { id, jobId } = created.body as { id: string; jobId: string };
  let job: JsonResponse;
  do {
    await new Promise((resolve) => setTimeout(resolve, 100));
    job = await call('GET', `${governance}/jobs/${jobId}`, { token });
  } while (job.body.state !== 'completed' && job.body.state !== 'failed');
  const read = await call('GET', `${governance}/bias-reports/${id}`, { token });
  return { id, reportSha256: read.body.reportSha256 as string };
}
