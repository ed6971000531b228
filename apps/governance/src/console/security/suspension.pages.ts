import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SuspensionView } from '@praesidium/access';
import { attempt, renderPage } from '../console-page.js';
import { changeThenRedirect, formOf, userOf } from '../page-support.js';

/** Listed in the navigation by security.pages.ts, after suspending a model. */
const PAGE = '/console/security/suspensions';

const reason = z.string().trim().min(1).max(2000);
const suspendForm = z.object({
  issuer: z.string().min(1).max(2048),
  subject: z.string().min(1).max(255),
  reason,
});
const liftForm = z.object({ reason });
const idParam = z.object({ id: z.uuid() });

/**
 * Suspending a person: a form locking out someone whose token or laptop was stolen (issuer chosen
 * among the trusted ones, the first by default), and the active suspensions, each with its lift form.
 */
export function registerSuspensionPages(app: FastifyInstance, trustedIssuers: readonly string[]): void {
  app.get('/security/suspensions', async (request, reply) => {
    const listed = await attempt(() =>
      userOf(request).api.get<{ suspensions: SuspensionView[] }>('/access/suspensions'),
    );
    return renderPage(request, reply, 'security/suspensions.hbs', {
      title: 'Suspend a person',
      issuers: trustedIssuers.map((issuer, index) => ({ issuer, selected: index === 0 })),
      suspensions: listed.value?.suspensions,
      problem: listed.problem,
    });
  });

  app.post('/security/suspensions', async (request, reply) => {
    const form = formOf(suspendForm, request.body);
    return changeThenRedirect(
      request,
      reply,
      PAGE,
      `${form.subject} is suspended: every gateway, the API and the console refuse them within a second.`,
      () => userOf(request).api.post('/access/suspensions', form),
    );
  });

  app.post('/security/suspensions/:id/lift', async (request, reply) => {
    const { id } = formOf(idParam, request.params);
    const form = formOf(liftForm, request.body);
    return changeThenRedirect(
      request,
      reply,
      PAGE,
      'Suspension lifted: the person is let in again within a second.',
      () => userOf(request).api.post(`/access/suspensions/${id}/lift`, form),
    );
  });
}
