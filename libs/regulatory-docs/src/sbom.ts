import { createHash } from 'node:crypto';

/** The parts of an npm lockfile (v2/v3) the SBOM is built from. */
interface LockPackage {
  readonly name?: string;
  readonly version?: string;
  readonly integrity?: string;
  readonly license?: string;
  readonly dev?: boolean;
  readonly optional?: boolean;
  readonly link?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}
export interface PackageLock {
  readonly name: string;
  readonly version: string;
  readonly lockfileVersion: number;
  readonly packages: Record<string, LockPackage>;
}

/** Support status of the platform's dependencies, as configured; `unknown` when nobody has said. */
export interface SupportPolicy {
  readonly levelOfSupport: string;
  readonly endOfSupport: string;
}
export const UNKNOWN_SUPPORT: SupportPolicy = { levelOfSupport: 'unknown', endOfSupport: 'unknown' };

const HASH_ALGORITHMS: Record<string, string> = {
  sha512: 'SHA-512',
  sha384: 'SHA-384',
  sha256: 'SHA-256',
  sha1: 'SHA-1',
};

/** Package URL of an npm package (purl-spec: the scope's `@` is percent-encoded). */
export function npmPurl(name: string, version: string): string {
  const [scope, bare] = name.startsWith('@') ? name.split('/', 2) : [undefined, name];
  const namespace = scope ? `${encodeURIComponent(scope)}/` : '';
  return `pkg:npm/${namespace}${encodeURIComponent(bare ?? name)}@${encodeURIComponent(version)}`;
}

/** Subresource-integrity strings (`sha512-<base64>`) as CycloneDX hashes (hex). */
function hashes(integrity: string | undefined) {
  if (!integrity) return undefined;
  const result = integrity.split(/\s+/).flatMap((entry) => {
    const dash = entry.indexOf('-');
    const alg = HASH_ALGORITHMS[entry.slice(0, dash)];
    return alg ? [{ alg, content: Buffer.from(entry.slice(dash + 1), 'base64').toString('hex') }] : [];
  });
  return result.length ? result : undefined;
}

/** The package name of a lockfile path: the last `node_modules/` segment. */
function nameOf(lockPath: string, entry: LockPackage): string {
  if (entry.name) return entry.name;
  const index = lockPath.lastIndexOf('node_modules/');
  return lockPath.slice(index + 'node_modules/'.length);
}

/** Node's resolution: the dependency `name` of the package at `from`, nearest node_modules upward. */
function resolve(lock: PackageLock, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const index = base.lastIndexOf('/node_modules/');
    base = index === -1 ? '' : base.slice(0, index);
  }
}

/**
 * A CycloneDX 1.6 JSON SBOM of an npm lockfile: every installed package with its purl, hashes
 * (from `integrity`), license (when the lockfile carries one), scope (dev dependencies are
 * `excluded` from the shipped product) and support status, plus the resolved dependency graph.
 */
export function cycloneDxSbom(
  lock: PackageLock,
  options: { timestamp: string; support?: SupportPolicy } = { timestamp: new Date().toISOString() },
) {
  if (lock.lockfileVersion < 2) throw new Error('package-lock.json v2 or v3 is required');
  const support = options.support ?? UNKNOWN_SUPPORT;
  const refs = new Map<string, string>();
  const seen = new Set<string>();
  const components: Record<string, unknown>[] = [];
  for (const [lockPath, entry] of Object.entries(lock.packages)) {
    if (!lockPath || entry.link || !entry.version) continue;
    const name = nameOf(lockPath, entry);
    const purl = npmPurl(name, entry.version);
    // The same name@version can be installed at several paths; the purl stays one component.
    if (!seen.has(purl)) {
      seen.add(purl);
      components.push({
        type: 'library',
        'bom-ref': purl,
        name,
        version: entry.version,
        purl,
        scope: entry.dev ? 'excluded' : entry.optional ? 'optional' : 'required',
        ...(hashes(entry.integrity) ? { hashes: hashes(entry.integrity) } : {}),
        ...(entry.license ? { licenses: [{ expression: entry.license }] } : {}),
        properties: [
          { name: 'praesidium:levelOfSupport', value: support.levelOfSupport },
          { name: 'praesidium:endOfSupport', value: support.endOfSupport },
        ],
      });
    }
    refs.set(lockPath, purl);
  }
  const rootRef = npmPurl(lock.name, lock.version);
  const dependsOn = (lockPath: string, entry: LockPackage) => {
    const names = Object.keys({
      ...entry.dependencies,
      ...entry.optionalDependencies,
      ...entry.peerDependencies,
    });
    const resolved = names.flatMap((name) => {
      const target = resolve(lock, lockPath, name);
      const ref = target ? refs.get(target) : undefined;
      return ref ? [ref] : [];
    });
    return [...new Set(resolved)].sort();
  };
  const graph = new Map<string, string[]>();
  graph.set(rootRef, dependsOn('', lock.packages[''] ?? {}));
  for (const [lockPath, entry] of Object.entries(lock.packages)) {
    const ref = refs.get(lockPath);
    if (!ref) continue;
    graph.set(ref, [...new Set([...(graph.get(ref) ?? []), ...dependsOn(lockPath, entry)])].sort());
  }
  const serial = createHash('sha256').update(JSON.stringify(lock)).digest('hex');
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    // Derived from the lockfile, so the same lockfile always gives the same serial number.
    serialNumber: `urn:uuid:${serial.slice(0, 8)}-${serial.slice(8, 12)}-5${serial.slice(13, 16)}-${((parseInt(serial[16] ?? '0', 16) & 0x3) | 0x8).toString(16)}${serial.slice(17, 20)}-${serial.slice(20, 32)}`,
    version: 1,
    metadata: {
      timestamp: options.timestamp,
      tools: { components: [{ type: 'application', name: 'praesidium-regulatory-docs' }] },
      component: {
        type: 'application',
        'bom-ref': rootRef,
        name: lock.name,
        version: lock.version,
        purl: rootRef,
        ...rootLicense(lock.packages['']?.license),
      },
      properties: [
        {
          name: 'praesidium:supportSource',
          value: options.support ? 'configured' : 'unknown (not configured)',
        },
      ],
    },
    components,
    dependencies: [...graph.entries()].map(([ref, deps]) => ({ ref, dependsOn: deps })),
  };
}

/** `UNLICENSED` (npm's word for proprietary) is no SPDX expression: CycloneDX takes it as a name. */
function rootLicense(license: string | undefined) {
  if (!license) return {};
  return license === 'UNLICENSED'
    ? { licenses: [{ license: { name: 'UNLICENSED (proprietary)' } }] }
    : { licenses: [{ expression: license }] };
}
