// Compiles apps/, libs/ and bench/ to dist/ with swc (type-checking is `npm run typecheck`).
// swc rewrites the @praesidium/* path aliases to relative imports, so plain `node` runs the output.
import { transformFile } from '@swc/core';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { swcOptions } from '../swc.config.mjs';

const root = swcOptions.jsc.baseUrl;
const outDir = path.join(root, 'dist');
const sourceDirs = ['apps', 'libs', 'bench'];

async function* sourceFiles(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.spec.ts'))
      yield full;
  }
}

await rm(outDir, { recursive: true, force: true });
const jobs = [];
for (const dir of sourceDirs) {
  for await (const file of sourceFiles(path.join(root, dir))) {
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
async function* assetFiles(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* assetFiles(full);
    else if (ASSET_FILE.test(full)) yield full;
  }
}
for await (const file of assetFiles(path.join(root, 'apps'))) {
  jobs.push(
    (async () => {
      const target = path.join(outDir, path.relative(root, file));
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(file, target);
    })(),
  );
}
await Promise.all(jobs);
