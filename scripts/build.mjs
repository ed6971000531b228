// Compiles apps/, libs/ and bench/ to dist/ with swc (type-checking is `npm run typecheck`).
// swc rewrites the @praesidium/* path aliases to relative imports, so plain `node` runs the output.
import { transformFile } from '@swc/core';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
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
