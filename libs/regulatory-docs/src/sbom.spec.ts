import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { cycloneDxSbom, npmPurl, type PackageLock } from './sbom.js';

/** The CycloneDX 1.6 JSON schema as the CycloneDX project ships it (@cyclonedx/cyclonedx-library). */
function cycloneDx16Validator() {
  const dir = path.resolve('node_modules/@cyclonedx/cyclonedx-library/res/schema');
  const load = (file: string) => {
    const schema = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
    // The bom schema refers to its siblings by their file names, relative to its own $id.
    return { ...schema, $id: `http://cyclonedx.org/schema/${file}` };
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: its function is the default export under Node ESM.
  ajvFormats.default(ajv);
  // Draft 2019 formats ajv-formats lacks; the SBOM carries no IRI or internationalised e-mail.
  ajv.addFormat('iri-reference', true);
  ajv.addFormat('idn-email', true);
  ajv.addSchema(load('spdx.SNAPSHOT.schema.json'));
  ajv.addSchema(load('jsf-0.82.SNAPSHOT.schema.json'));
  return ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'));
}

const lock = JSON.parse(
  readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8'),
) as PackageLock;
const AT = '2026-11-29T00:00:00.000Z';

describe('the CycloneDX SBOM of the platform', () => {
  const sbom = cycloneDxSbom(lock, { timestamp: AT });

  it('validates against the CycloneDX 1.6 JSON schema', () => {
    const validate = cycloneDx16Validator();
    expect(validate(sbom) ? [] : validate.errors?.slice(0, 5)).toEqual([]);
    const broken = {
      ...sbom,
      components: [{ ...sbom.components[0], hashes: [{ alg: 'MD-0', content: 'x' }] }],
    };
    expect(validate(broken)).toBe(false);
  });

  it('is a CycloneDX 1.6 BOM with the platform as its subject', () => {
    expect(sbom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1 });
    expect(sbom.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(sbom.metadata.component).toMatchObject({ name: 'praesidium', purl: 'pkg:npm/praesidium@0.1.0' });
  });

  it('lists every installed package of the lockfile with its purl, hashes and license', () => {
    const installed = Object.entries(lock.packages).filter(([lockPath, entry]) => lockPath && !entry.link);
    const purls = new Set(sbom.components.map((component) => component['purl']));
    for (const [lockPath, entry] of installed) {
      const name = entry.name ?? lockPath.slice(lockPath.lastIndexOf('node_modules/') + 13);
      expect(purls).toContain(npmPurl(name, entry.version ?? ''));
    }
    const handlebars = sbom.components.find((component) => component['name'] === 'handlebars');
    expect(handlebars).toMatchObject({
      purl: 'pkg:npm/handlebars@4.7.10',
      scope: 'required',
      licenses: [{ expression: 'MIT' }],
      properties: [
        { name: 'praesidium:levelOfSupport', value: 'unknown' },
        { name: 'praesidium:endOfSupport', value: 'unknown' },
      ],
    });
    const integrity = lock.packages['node_modules/handlebars']?.integrity ?? '';
    expect(handlebars?.['hashes']).toEqual([
      { alg: 'SHA-512', content: Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex') },
    ]);
    expect(sbom.components.find((component) => component['name'] === 'jest')).toMatchObject({
      scope: 'excluded',
    });
  });

  it('encodes scoped names in purls', () => {
    expect(npmPurl('@nestjs/core', '12.5.1')).toBe('pkg:npm/%40nestjs/core@12.5.1');
  });

  it('holds a dependency graph whose every reference is a component', () => {
    const refs = new Set([sbom.metadata.component['bom-ref'], ...sbom.components.map((c) => c['bom-ref'])]);
    for (const node of sbom.dependencies) {
      expect(refs).toContain(node.ref);
      node.dependsOn.forEach((ref) => expect(refs).toContain(ref));
    }
    const root = sbom.dependencies.find((node) => node.ref === 'pkg:npm/praesidium@0.1.0');
    expect(root?.dependsOn).toContain('pkg:npm/handlebars@4.7.10');
    expect(root?.dependsOn).toContain('pkg:npm/%40nestjs/core@12.5.1');
    const handlebarsNode = sbom.dependencies.find((node) => node.ref === 'pkg:npm/handlebars@4.7.10');
    expect(handlebarsNode?.dependsOn.some((ref) => ref.startsWith('pkg:npm/source-map@'))).toBe(true);
  });

  it('records a configured support policy and stays the same for the same lockfile', () => {
    const configured = cycloneDxSbom(lock, {
      timestamp: AT,
      support: { levelOfSupport: 'community', endOfSupport: '2028-04-30' },
    });
    expect(configured.components[0]?.['properties']).toEqual([
      { name: 'praesidium:levelOfSupport', value: 'community' },
      { name: 'praesidium:endOfSupport', value: '2028-04-30' },
    ]);
    expect(JSON.stringify(cycloneDxSbom(lock, { timestamp: AT }))).toBe(JSON.stringify(sbom));
  });
});
