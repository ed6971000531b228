import type { DocumentedRoute } from '../docs/openapi-document.js';

/** The status of the jobs the caller started (verifications, bias reports, documents). */
export const JOBS_ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'get',
    path: '/jobs/{id}',
    tag: 'jobs',
    summary: 'Progress and result of a job you started; anyone else’s job answers as a missing one',
    success: { status: 200, description: 'the job: state, progress, result or failure' },
    refusals: ['request.not_found', 'jobs.unavailable'],
  },
];
