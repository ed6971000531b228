import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { modelVersionSubject, type AppAbility } from '@praesidium/access';
import { CANARY_SHARE_PERCENT, type CanaryScope } from '@praesidium/model-registry';
import { field, segment, submitThenRedirect, userOf, versionHref } from '../page-support.js';

/** A model's running canary as `GET /models/{name}` carries it. */
export interface ApiCanary {
  version: string;
  sharePercent: number;
  scope: CanaryScope;
  startedAt: string;
}

/** One change of a model's canaries as `GET /models/{name}/canary` lists it. */
export interface ApiCanaryChange {
  version: string;
  action: string;
  sharePercent: number;
  scope: CanaryScope;
  actor: string;
  reason: string;
  at: string;
}

const modelParam = z.object({ model: z.string().min(1).max(200), version: z.string().min(1).max(100) });

/**
 * What the version page shows of the model's canary: the canary running (on every version's page),
 * its history, and the forms the user may use. The buttons follow the registry's rules (start on
 * an approved version when nothing else is canary and a version is deployed; share, promote, abort
 * on the canary's own page) and the `deploy` permission on this model; the API decides again on every call.
 */
export function canarySection(
  model: {
    name: string;
    departments: string[];
    riskClass: string;
    canary?: ApiCanary | null;
    versions: { version: string; status: string }[];
  },
  version: { version: string; status: string },
  ability: AppAbility,
  history: readonly ApiCanaryChange[] | undefined,
) {
  const canary = model.canary ?? undefined;
  const canDeploy = ability.can('deploy', modelVersionSubject({ ...model, model: model.name }));
  const deployed = model.versions.find((candidate) => candidate.status === 'deployed');
  const isThisCanary = canary?.version === version.version;
  return {
    running: canary && {
      ...canary,
      href: versionHref(model.name, canary.version),
      isThisVersion: isThisCanary,
      deployedVersion: deployed?.version,
      scopeText: describeScope(canary.scope),
    },
    history: history?.length
      ? [...history].reverse().map((change) => ({ ...change, scopeText: describeScope(change.scope) }))
      : undefined,
    canStart: canDeploy && !canary && deployed !== undefined && version.status === 'approved',
    canChange: canDeploy && isThisCanary,
    deployedVersion: deployed?.version,
    shareMin: CANARY_SHARE_PERCENT.min,
    shareMax: CANARY_SHARE_PERCENT.max,
  };
}

/** "of clinicians at main-campus, in pain-medicine", or "of every clinician" for an unscoped canary. */
export function describeScope({ sites, departments }: CanaryScope): string {
  if (sites.length === 0 && departments.length === 0) return 'of every clinician';
  const at = sites.length > 0 ? [`at ${sites.join(', ')}`] : [];
  const of = departments.length > 0 ? [`in ${departments.join(', ')}`] : [];
  return `of clinicians ${[...at, ...of].join(', ')}`;
}

/**
 * What a models list says beside the canary's version: "canary 10 %", with its scope if it has one
 * ("canary 10 % of clinicians at main-campus"); undefined beside any other version.
 */
export function canaryLabel(
  canary: Pick<ApiCanary, 'version' | 'sharePercent' | 'scope'> | null | undefined,
  version: string,
): string | undefined {
  if (canary?.version !== version) return undefined;
  const scoped = canary.scope.sites.length > 0 || canary.scope.departments.length > 0;
  return `canary ${canary.sharePercent} %${scoped ? ` ${describeScope(canary.scope)}` : ''}`;
}

/** A comma-separated form field as a list: entries trimmed, empty ones dropped. */
function listField(body: unknown, name: string): string[] {
  return (field(body, name) ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/** The canary forms of the version page, each posted to the governance API and back (PRG). */
export function registerCanaryRoutes(app: FastifyInstance): void {
  const apiPath = (model: string) => `/models/${segment(model)}/canary`;
  const back = (model: string, version: string) => `${versionHref(model, version)}#canary`;
  const share = (body: unknown) => Number(field(body, 'sharePercent') ?? '');
  const reason = (body: unknown) => field(body, 'reason') ?? '';
  const scopeOf = (body: unknown): CanaryScope => ({
    sites: listField(body, 'sites'),
    departments: listField(body, 'departments'),
  });

  app.post('/registry/:model/:version/canary', async (request, reply) => {
    const { model, version } = modelParam.parse(request.params);
    return submitThenRedirect(
      request,
      reply,
      back(model, version),
      () =>
        userOf(request).api.post(apiPath(model), {
          version,
          sharePercent: share(request.body),
          scope: scopeOf(request.body),
          reason: reason(request.body),
        }),
      `Canary started: ${model} ${version} takes ${share(request.body)} % of the unpinned calls ${describeScope(scopeOf(request.body))} within a second.`,
    );
  });

  app.post('/registry/:model/:version/canary/share', async (request, reply) => {
    const { model, version } = modelParam.parse(request.params);
    return submitThenRedirect(
      request,
      reply,
      back(model, version),
      () =>
        userOf(request).api.put(`${apiPath(model)}/share`, {
          sharePercent: share(request.body),
          reason: reason(request.body),
        }),
      `Canary share changed to ${share(request.body)} %.`,
    );
  });

  for (const action of ['promote', 'abort'] as const)
    app.post(`/registry/:model/:version/canary/${action}`, async (request, reply) => {
      const { model, version } = modelParam.parse(request.params);
      return submitThenRedirect(
        request,
        reply,
        back(model, version),
        () => userOf(request).api.post(`${apiPath(model)}/${action}`, { reason: reason(request.body) }),
        action === 'promote'
          ? `Promoted: ${model} ${version} is the deployed version; the one deployed before is suspended.`
          : `Canary aborted: every unpinned call of ${model} goes to the deployed version.`,
      );
    });
}
