// No cluster runs in CI, so docker/k8s/ is checked here: every object against the Kubernetes schemas
// (kubernetes-models; External Secrets' own models for ExternalSecret), strictly (a field the schema
// does not know is an error, as `kubectl apply` refuses it), and then the promises a security officer
// relies on: non-root, read-only, no capabilities, seccomp, limits and probes on every container;
// secrets only from the secret store; models reachable from the gateway alone; an autoscaled gateway
// with a disruption budget; configuration the schema accepts in production.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as externalSecrets from '@kubernetes-models/external-secrets/external-secrets.io/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { environmentSchema, loadConfig } from '@praesidium/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const k8sDir = path.join(root, 'docker/k8s');

// ---- the objects ------------------------------------------------------------------------------------

type Json = Record<string, unknown>;
interface K8sObject extends Json {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

/** Every exported model class of the API groups we use, by `apiVersion/kind`. */
const MODELS = new Map<string, { prototype: { validate(): void } }>();
for (const group of [core, apps, autoscaling, policy, networking, externalSecrets]) {
  for (const value of Object.values(group) as unknown[]) {
    const model = value as { apiVersion?: unknown; kind?: unknown; prototype?: { validate?: unknown } };
    if (
      typeof value === 'function' &&
      typeof model.apiVersion === 'string' &&
      typeof model.kind === 'string'
    ) {
      MODELS.set(`${model.apiVersion}/${model.kind}`, value);
    }
  }
}

function parseManifests(file: string, text: string): K8sObject[] {
  return parseAllDocuments(text).map((document, index) => {
    if (document.errors.length) throw new Error(`${file} #${index}: ${document.errors[0].message}`);
    return document.toJS() as K8sObject;
  });
}

const kustomization = parse(readFileSync(path.join(k8sDir, 'kustomization.yaml'), 'utf8')) as {
  namespace: string;
  resources: string[];
  images: { name: string }[];
};
const manifestFiles = readdirSync(k8sDir)
  .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
  .sort();
const objects = manifestFiles.flatMap((file) =>
  parseManifests(file, readFileSync(path.join(k8sDir, file), 'utf8')),
);
const named = (kind: string, name: string): K8sObject => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`docker/k8s has no ${kind} ${name}`);
  return found;
};

/**
 * Schema problems of one object: the model's own validation, run on a proxy of the object that notes
 * every field the validator reads. A field it never reads is one the schema does not know (the
 * generated validators read each declared property and iterate free-form maps).
 */
function schemaProblems(object: K8sObject): string[] {
  const model = MODELS.get(`${object.apiVersion}/${object.kind}`);
  if (!model) return [`no schema for ${object.apiVersion} ${object.kind}`];
  const read = new Set<string>();
  const wrap = (value: unknown, at: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    return new Proxy(value, {
      get(target, key, receiver) {
        const child: unknown = Reflect.get(target, key, receiver);
        if (typeof key !== 'string' || !Object.hasOwn(target, key)) return child;
        read.add(`${at}/${key}`);
        return wrap(child, `${at}/${key}`);
      },
      ownKeys(target) {
        for (const key of Reflect.ownKeys(target)) if (typeof key === 'string') read.add(`${at}/${key}`);
        return Reflect.ownKeys(target);
      },
    });
  };
  try {
    model.prototype.validate.call(wrap(object, ''));
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
  return fieldPaths(object, '').filter((field) => !read.has(field));
}

/** Every object key's path in the tree (array items by index). */
function fieldPaths(value: unknown, at: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => fieldPaths(item, `${at}/${index}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [
    `${at}/${key}`,
    ...fieldPaths(child, `${at}/${key}`),
  ]);
}

// ---- pods -------------------------------------------------------------------------------------------

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  initContainers?: Container[];
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string }; hostPath?: unknown; emptyDir?: unknown }[];
}
interface Workload {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly pod: PodSpec;
}

const workloads = (list: K8sObject[] = objects): Workload[] =>
  list
    .filter((object) => object.kind === 'Deployment')
    .map((object) => {
      const template = (
        object.spec as { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } }
      ).template;
      return { name: object.metadata.name, labels: template.metadata.labels, pod: template.spec };
    });
const containersOf = (pod: PodSpec) => [...(pod.initContainers ?? []), ...pod.containers];
const workload = (name: string): Workload => {
  const found = workloads().find((w) => w.name === name);
  if (!found) throw new Error(`docker/k8s has no Deployment ${name}`);
  return found;
};

/** Security problems of one pod, as `workload/container: what`. */
function podSecurityProblems(w: Workload): string[] {
  const problems: string[] = [];
  const flag = (where: string, ok: boolean, what: string) => ok || problems.push(`${where}: ${what}`);
  const pod = w.pod;
  flag(w.name, pod.securityContext?.runAsNonRoot === true, 'pod runAsNonRoot is not true');
  flag(w.name, (pod.securityContext?.runAsUser ?? 1) !== 0, 'pod runs as uid 0');
  flag(
    w.name,
    pod.securityContext?.seccompProfile?.type === 'RuntimeDefault',
    'pod seccomp is not RuntimeDefault',
  );
  flag(w.name, pod.automountServiceAccountToken === false, 'a service-account token is mounted');
  flag(w.name, !pod.hostNetwork && !pod.hostPID && !pod.hostIPC, 'shares a host namespace');
  flag(w.name, !(pod.volumes ?? []).some((volume) => volume.hostPath), 'mounts a host path');
  for (const container of containersOf(pod)) {
    const where = `${w.name}/${container.name}`;
    const context = container.securityContext ?? {};
    flag(where, context.readOnlyRootFilesystem === true, 'root filesystem is writable');
    flag(where, context.allowPrivilegeEscalation === false, 'privilege escalation is allowed');
    flag(where, context.privileged !== true, 'privileged');
    flag(where, context.runAsNonRoot !== false, 'runAsNonRoot overridden to false');
    flag(where, (context.capabilities?.drop ?? []).includes('ALL'), 'capabilities are not all dropped');
    flag(where, (context.capabilities?.add ?? []).length === 0, 'adds capabilities');
    flag(
      where,
      (context.seccompProfile?.type ?? 'RuntimeDefault') === 'RuntimeDefault',
      'seccomp overridden',
    );
    for (const kind of ['requests', 'limits'] as const) {
      for (const resource of ['cpu', 'memory']) {
        flag(where, Boolean(container.resources?.[kind]?.[resource]), `no ${resource} ${kind}`);
      }
    }
  }
  for (const container of pod.containers) {
    const where = `${w.name}/${container.name}`;
    flag(where, Boolean(container.livenessProbe?.httpGet), 'no HTTP liveness probe');
    flag(where, Boolean(container.readinessProbe?.httpGet), 'no HTTP readiness probe');
  }
  return problems;
}

// ---- network policies -------------------------------------------------------------------------------

interface PolicyPeer {
  podSelector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  namespaceSelector?: unknown;
  ipBlock?: unknown;
}
interface NetworkPolicySpec {
  podSelector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  policyTypes?: string[];
  ingress?: { from?: PolicyPeer[]; ports?: unknown[] }[];
}

const selects = (
  selector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] },
  labels: Record<string, string>,
) => {
  if (selector.matchExpressions?.length)
    throw new Error('matchExpressions: extend this check before using them');
  return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
};

/**
 * Who may connect to a pod, under the namespace's policies: `everyone`, or the workloads (of these
 * manifests) an allowing peer selects. A rule without `from`, or a peer by namespace or IP block, lets
 * in callers we cannot name: `everyone`.
 */
function allowedCallers(pod: Workload, list: K8sObject[] = objects): 'everyone' | Set<string> {
  const policies = list
    .filter((object) => object.kind === 'NetworkPolicy')
    .map((object) => object.spec as NetworkPolicySpec)
    .filter((spec) => selects(spec.podSelector, pod.labels))
    .filter((spec) => (spec.policyTypes ?? ['Ingress']).includes('Ingress'));
  if (policies.length === 0) return 'everyone'; // not isolated
  const callers = new Set<string>();
  for (const rule of policies.flatMap((spec) => spec.ingress ?? [])) {
    if (!rule.from || rule.from.length === 0) return 'everyone';
    for (const peer of rule.from) {
      if (peer.namespaceSelector || peer.ipBlock || !peer.podSelector) return 'everyone';
      for (const other of workloads(list))
        if (selects(peer.podSelector, other.labels)) callers.add(other.name);
    }
  }
  return callers;
}

const MODEL_LABEL = 'praesidium.io/model-backend';

// ---- configuration ----------------------------------------------------------------------------------

const SCHEMA_KEYS = (() => {
  if (environmentSchema.def.type !== 'object') throw new Error('environmentSchema is not an object');
  return new Set(Object.keys(environmentSchema.shape));
})();
const isKnownVariable = (name: string) => SCHEMA_KEYS.has(name) || /^OTEL_[A-Z0-9_]+$/.test(name);

/** What the ExternalSecrets make: Secret name → its keys. */
function externalSecretTargets(): Map<string, Set<string>> {
  const targets = new Map<string, Set<string>>();
  for (const object of objects.filter((o) => o.kind === 'ExternalSecret')) {
    const spec = object.spec as { target?: { name?: string }; data?: { secretKey: string }[] };
    const name = spec.target?.name ?? object.metadata.name;
    targets.set(name, new Set((spec.data ?? []).map((item) => item.secretKey)));
  }
  return targets;
}

/** Sample values for the secrets, to load the configuration a container would see. */
const SAMPLE_SECRETS: Record<string, string> = {
  DATABASE_URL: 'postgres://praesidium:f00dcafe@postgres.database.svc:5432/praesidium',
  REDIS_URL: 'redis://:c0ffee@redis.cache.svc:6379',
  PRAESIDIUM_GATEWAY_METRICS_TOKEN: 'a-metrics-token-of-32-characters',
};

function containerEnvironment(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef) throw new Error(`${container.name}: envFrom other than a ConfigMap`);
    const map = named('ConfigMap', source.configMapRef.name);
    Object.assign(env, map.data as Record<string, string>);
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    env[variable.name] = ref ? SAMPLE_SECRETS[ref.key] : (variable.value ?? '');
  }
  return env;
}

/** The app a container runs: `start --apps NAME`, or `migrate`. */
const appOf = (container: Container) =>
  container.args?.[0] === 'start' && container.args[1] === '--apps' ? container.args[2] : container.args?.[0];

// ---- the tests --------------------------------------------------------------------------------------

describe('docker/k8s manifests', () => {
  it('lists every manifest file in kustomization.yaml, all in one namespace', () => {
    expect([...kustomization.resources].sort()).toEqual(manifestFiles);
    expect(objects.length).toBeGreaterThan(10);
    for (const object of objects) {
      if (object.kind === 'Namespace') expect(object.metadata.name).toBe(kustomization.namespace);
      else
        expect({
          object: `${object.kind}/${object.metadata.name}`,
          namespace: object.metadata.namespace,
        }).toEqual({
          object: `${object.kind}/${object.metadata.name}`,
          namespace: kustomization.namespace,
        });
    }
  });

  it('validates every object against its Kubernetes schema, refusing unknown fields', () => {
    for (const object of objects) {
      expect({ object: `${object.kind}/${object.metadata.name}`, problems: schemaProblems(object) }).toEqual({
        object: `${object.kind}/${object.metadata.name}`,
        problems: [],
      });
    }
  });

  it('flags schema violations and unknown fields (the validation can fail)', () => {
    const gateway = structuredClone(named('Deployment', 'praesidium-gateway'));
    (gateway.spec as Json).replicas = 'two';
    expect(schemaProblems(gateway).join('\n')).toMatch(/replicas must be integer/);
    const typo = structuredClone(named('Deployment', 'praesidium-gateway'));
    const container = workloads([typo])[0].pod.containers[0] as unknown as Json;
    container.readOnlyRootFilesytem = true;
    expect(schemaProblems(typo)).toEqual(['/spec/template/spec/containers/0/readOnlyRootFilesytem']);
    expect(schemaProblems({ apiVersion: 'example.org/v1', kind: 'Thing', metadata: { name: 'x' } })).toEqual([
      'no schema for example.org/v1 Thing',
    ]);
  });

  it('runs gateway, governance, worker and the sample model, each on the one image with the right command', () => {
    expect(
      workloads()
        .map((w) => w.name)
        .sort(),
    ).toEqual([
      'praesidium-gateway',
      'praesidium-governance',
      'praesidium-sample-model',
      'praesidium-worker',
    ]);
    const image = kustomization.images[0].name;
    for (const w of workloads()) {
      for (const container of containersOf(w.pod)) expect(container.image).toBe(image);
      expect(w.pod.containers.map(appOf)).toEqual([w.name.replace('praesidium-', '')]);
    }
  });

  it('runs every container non-root, read-only, without capabilities, seccomp-confined, with limits and probes', () => {
    for (const w of workloads())
      expect({ workload: w.name, problems: podSecurityProblems(w) }).toEqual({
        workload: w.name,
        problems: [],
      });
    expect(named('Namespace', kustomization.namespace).metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    expect(named('ServiceAccount', 'praesidium').automountServiceAccountToken).toBe(false);
  });

  it('flags an insecure container (the check can fail)', () => {
    const pod = structuredClone(workload('praesidium-gateway'));
    const [container] = pod.pod.containers;
    container.securityContext = {
      ...container.securityContext,
      readOnlyRootFilesystem: false,
      capabilities: { add: ['NET_ADMIN'] },
    };
    delete container.readinessProbe;
    delete container.resources?.limits;
    expect(podSecurityProblems(pod)).toEqual([
      'praesidium-gateway/gateway: root filesystem is writable',
      'praesidium-gateway/gateway: capabilities are not all dropped',
      'praesidium-gateway/gateway: adds capabilities',
      'praesidium-gateway/gateway: no cpu limits',
      'praesidium-gateway/gateway: no memory limits',
      'praesidium-gateway/gateway: no HTTP readiness probe',
    ]);
  });

  it('gives every container a production configuration the schema accepts, with only schema variables', () => {
    for (const w of workloads()) {
      for (const container of containersOf(w.pod)) {
        const env = containerEnvironment(container);
        expect({
          container: container.name,
          unknown: Object.keys(env).filter((name) => !isKnownVariable(name)),
        }).toEqual({
          container: container.name,
          unknown: [],
        });
        const config = loadConfig(env);
        // Off by name, so a pod that lost NODE_ENV=production still runs no demo.
        const { NODE_ENV: _production, ...withoutProduction } = env;
        expect({
          container: container.name,
          demoSetting: env.PRAESIDIUM_DEMO,
          demoWithoutProduction: loadConfig(withoutProduction).demo,
        }).toEqual({ container: container.name, demoSetting: 'off', demoWithoutProduction: false });
        expect({
          container: container.name,
          production: config.isProduction,
          demo: config.demo,
          migrateOnStart: config.database.migrateOnStart,
        }).toEqual({
          container: container.name,
          production: true,
          demo: false,
          migrateOnStart: false,
        });
      }
    }
    // Jobs run in the worker, so governance leaves them; gateway, governance and worker share Redis.
    for (const name of ['praesidium-governance', 'praesidium-worker', 'praesidium-gateway']) {
      const config = loadConfig(containerEnvironment(workload(name).pod.containers[0]));
      expect({
        workload: name,
        redis: Boolean(config.redisUrl),
        database: Boolean(config.database.url),
      }).toEqual({
        workload: name,
        redis: true,
        database: true,
      });
      if (name === 'praesidium-governance') expect(config.jobs.runInGovernance).toBe(false);
    }
  });

  it('migrates in an init container before every app that opens the database', () => {
    for (const name of ['praesidium-gateway', 'praesidium-governance', 'praesidium-worker']) {
      expect((workload(name).pod.initContainers ?? []).map(appOf)).toEqual(['migrate']);
    }
  });

  it('probes each app on the port its configuration listens on and on its health routes', () => {
    const routes: Record<
      string,
      { port: (c: ReturnType<typeof loadConfig>) => number; live: string; ready: string }
    > = {
      gateway: { port: (c) => c.http.gatewayPort, live: '/v2/health/live', ready: '/v2/health/ready' },
      governance: { port: (c) => c.http.governancePort, live: '/health/live', ready: '/health/ready' },
      worker: { port: (c) => c.http.workerPort, live: '/health/live', ready: '/health/ready' },
      'sample-model': {
        port: (c) => c.http.sampleModelPort,
        live: '/v2/health/ready',
        ready: '/v2/health/ready',
      },
    };
    for (const w of workloads()) {
      const [container] = w.pod.containers;
      const app = appOf(container) as string;
      const expected = routes[app];
      const port = expected.port(loadConfig(containerEnvironment(container)));
      const portOf = (probe: Probe | undefined) => {
        const named = container.ports?.find((p) => p.name === probe?.httpGet?.port);
        return named ? named.containerPort : probe?.httpGet?.port;
      };
      expect({
        app,
        live: [container.livenessProbe?.httpGet?.path, portOf(container.livenessProbe)],
        ready: [container.readinessProbe?.httpGet?.path, portOf(container.readinessProbe)],
      }).toEqual({ app, live: [expected.live, port], ready: [expected.ready, port] });
    }
  });

  it('takes every secret from the secret store: no Secret in the repository, every reference made by an ExternalSecret', () => {
    expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
    const targets = externalSecretTargets();
    expect([...targets.keys()].sort()).toEqual(['praesidium-keystore', 'praesidium-secrets']);
    for (const object of objects.filter((o) => o.kind === 'ExternalSecret')) {
      expect((object.spec as { secretStoreRef: { kind: string } }).secretStoreRef.kind).toMatch(
        /^(Cluster)?SecretStore$/,
      );
    }
    const references: string[] = [];
    for (const w of workloads()) {
      for (const container of containersOf(w.pod)) {
        for (const variable of container.env ?? []) {
          const ref = variable.valueFrom?.secretKeyRef;
          if (ref) references.push(`${ref.name}:${ref.key}`);
          // a credential never sits in a plain value
          if (/_URL$/.test(variable.name) && variable.value)
            expect(variable.value).not.toMatch(/\/\/[^/]*:[^/]*@/);
        }
      }
      for (const volume of w.pod.volumes ?? [])
        if (volume.secret) references.push(`${volume.secret.secretName}:*`);
    }
    for (const reference of references) {
      const [name, key] = reference.split(':');
      expect({ reference, made: targets.has(name) && (key === '*' || targets.get(name)!.has(key)) }).toEqual({
        reference,
        made: true,
      });
    }
    expect(references).toEqual(
      expect.arrayContaining([
        'praesidium-secrets:DATABASE_URL',
        'praesidium-secrets:REDIS_URL',
        'praesidium-keystore:*',
      ]),
    );
    // The ConfigMap carries no credential.
    for (const [name, value] of Object.entries(
      named('ConfigMap', 'praesidium-config').data as Record<string, string>,
    )) {
      expect({
        name,
        credential: /\/\/[^/]*:[^/]*@/.test(value) || /PASSWORD|TOKEN|SECRET/.test(name),
      }).toEqual({ name, credential: false });
    }
  });

  it('mounts the shared key store read-only at <data dir>/keys in gateway, governance and worker', () => {
    for (const name of ['praesidium-gateway', 'praesidium-governance', 'praesidium-worker']) {
      const [container] = workload(name).pod.containers;
      const dataDir = loadConfig(containerEnvironment(container)).dataDir;
      const keysVolume = workload(name).pod.volumes?.find(
        (v) => v.secret?.secretName === 'praesidium-keystore',
      );
      const mount = container.volumeMounts?.find((m) => m.name === keysVolume?.name);
      expect({ workload: name, mountPath: mount?.mountPath, readOnly: mount?.readOnly }).toEqual({
        workload: name,
        mountPath: path.posix.join(dataDir, 'keys'),
        readOnly: true,
      });
    }
  });

  it('autoscales the gateway (at least two replicas) and keeps it available through disruptions', () => {
    const gateway = named('Deployment', 'praesidium-gateway');
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    expect((hpa.spec as { scaleTargetRef: unknown }).scaleTargetRef).toEqual({
      apiVersion: gateway.apiVersion,
      kind: 'Deployment',
      name: gateway.metadata.name,
    });
    const { minReplicas, maxReplicas } = hpa.spec as { minReplicas: number; maxReplicas: number };
    expect(minReplicas).toBeGreaterThanOrEqual(2);
    expect(maxReplicas).toBeGreaterThan(minReplicas);
    const budgets = objects
      .filter((o) => o.kind === 'PodDisruptionBudget')
      .map(
        (o) =>
          o.spec as {
            selector: { matchLabels: Record<string, string> };
            maxUnavailable?: number;
            minAvailable?: number;
          },
      );
    const gatewayBudget = budgets.find((b) => selects(b.selector, workload('praesidium-gateway').labels));
    expect(gatewayBudget).toBeDefined();
    // With the HPA's minimum, the budget always leaves a replica serving.
    expect(gatewayBudget!.maxUnavailable ?? minReplicas - (gatewayBudget!.minAvailable ?? 0)).toBeLessThan(
      minReplicas,
    );
  });

  it('routes each Service to pods that exist, on a named container port', () => {
    for (const service of objects.filter((o) => o.kind === 'Service')) {
      const spec = service.spec as { selector: Record<string, string>; ports: { targetPort: string }[] };
      const targets = workloads().filter((w) => selects({ matchLabels: spec.selector }, w.labels));
      expect({ service: service.metadata.name, targets: targets.length }).toEqual({
        service: service.metadata.name,
        targets: 1,
      });
      for (const port of spec.ports) {
        expect(targets[0].pod.containers[0].ports?.map((p) => p.name)).toContain(port.targetPort);
      }
    }
  });

  it('denies ingress by default and lets only the gateway reach the models', () => {
    const models = workloads().filter((w) => w.labels[MODEL_LABEL] === 'true');
    expect(models.map((w) => w.name)).toEqual(['praesidium-sample-model']);
    for (const model of models)
      expect([...(allowedCallers(model) as Set<string>)]).toEqual(['praesidium-gateway']);
    expect(allowedCallers(workload('praesidium-worker'))).toEqual(new Set());
    expect(allowedCallers(workload('praesidium-gateway'))).toBe('everyone');
  });

  it('flags a policy that opens the models to others (the check can fail)', () => {
    const model = workload('praesidium-sample-model');
    const open = (spec: NetworkPolicySpec): K8sObject[] => [
      ...objects,
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'leak', namespace: 'praesidium' },
        spec: spec,
      },
    ];
    const selector = { matchLabels: { [MODEL_LABEL]: 'true' } };
    expect(allowedCallers(model, open({ podSelector: selector, ingress: [{ ports: [] }] }))).toBe('everyone');
    expect(
      allowedCallers(
        model,
        open({ podSelector: selector, ingress: [{ from: [{ namespaceSelector: {} }] }] }),
      ),
    ).toBe('everyone');
    expect(
      allowedCallers(model, open({ podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] })),
    ).toEqual(new Set(workloads().map((w) => w.name)));
    const withoutPolicies = objects.filter((o) => o.kind !== 'NetworkPolicy');
    expect(allowedCallers(model, withoutPolicies)).toBe('everyone');
  });
});
