// Compiles apps/, libs/ and bench/ to dist/ with swc (type-checking is `npm run typecheck`).
// swc rewrites the @praesidium/* path aliases to relative imports, so plain `node` runs the output.
import { transformFile } from '@swc/core';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { swcOptions } from '../swc.config.mjs';

const root = swcOptions.jsc.baseUrl;
const outDir = path.join(root, 'dist');
const sourceDirs = ['apps', 'libs', 'bench'];

/** Every file under `dir` (none if it does not exist) whose path `keep` accepts. */
async function* filesUnder(dir, keep) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full, keep);
    else if (keep(full)) yield full;
  }
}

const isSource = (file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.spec.ts');

await rm(outDir, { recursive: true, force: true });
const jobs = [];
for (const dir of sourceDirs) {
  for await (const file of filesUnder(path.join(root, dir), isSource)) {
    jobs.push(
      (async () => {
        const target = path.join(outDir, path.relative(root, file)).replace(/\.ts$/, '.js');
        const { code, map } = await transformFile(file, {
          ...swcOptions,
          filename: file,
          outputPath: target,
          sourceFileName: path.relative(path.dirname(target), file),
        });
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
        if (map) await writeFile(`${target}.map`, map);
      })(),
    );
  }
}
// The web console's templates and browser assets are read at run time from beside the compiled code.
const ASSET_FILE = /\.(hbs|css)$|[\\/]assets[\\/][^\\/]+\.js$/;
for await (const file of filesUnder(path.join(root, 'apps'), (file) => ASSET_FILE.test(file))) {
  jobs.push(
    (async () => {
      const target = path.join(outDir, path.relative(root, file));
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(file, target);
    })(),
  );
}
await Promise.all(jobs);

// The FHIR validators compiled ahead of time (see libs/fhir/src/fhir-schema.ts): compiling takes seconds
// of CPU, so the result is kept in node_modules/.cache, keyed by the compiled fhir-schema.js and the
// schema and Ajv it was made from, and only copied when neither changed.
const fhirDir = path.join(outDir, 'libs/fhir/src');
const fhirModule = path.join(fhirDir, 'fhir-schema.js');
const { FhirSchema } = await import(pathToFileURL(fhirModule).href);
const cacheKey = createHash('sha256')
  .update(await readFile(fhirModule))
  .update(FhirSchema.fingerprint())
  .digest('hex')
  .slice(0, 32);
const cacheDir = path.join(root, 'node_modules/.cache/praesidium');
const cached = path.join(cacheDir, `fhir-r4-validators-${cacheKey}.cjs`);
const validators = path.join(fhirDir, 'fhir-r4-validators.cjs');
try {
  await copyFile(cached, validators);
} catch {
  const source = FhirSchema.precompiledSource();
  await writeFile(validators, source);
  await mkdir(cacheDir, { recursive: true });
  for (const old of await readdir(cacheDir)) {
    if (old.startsWith('fhir-r4-validators-')) await rm(path.join(cacheDir, old), { force: true });
  }
  await writeFile(cached, source);
}
