import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { completenessReport, type DocumentItem, type RegulatoryDocument } from './document-model.js';

/** The nearest `relative` path upward from this module: the checkout or install it runs from. */
export function findInstallation(relative: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`${relative} not found`);
    dir = parent;
  }
}

/** `docs/regulatory/templates` of the checkout or install this module runs from (source or dist). */
export function defaultTemplatesDir(): string {
  return findInstallation(path.join('docs', 'regulatory', 'templates'));
}

/** Every helper a template can call: Handlebars' block helpers and `lookup`, and `isMissing`. */
export const TEMPLATE_HELPERS = [
  'blockHelperMissing',
  'each',
  'helperMissing',
  'if',
  'isMissing',
  'lookup',
  'unless',
  'with',
] as const;

interface Environment {
  readonly hbs: typeof Handlebars;
  readonly page: Handlebars.TemplateDelegate;
}
const environments = new Map<string, Environment>();

/**
 * A Handlebars environment of its own per templates directory, built once: only our partials and
 * one pure helper (no helper reads files or the environment; `log` is removed), templates compiled
 * with `knownHelpersOnly` so they cannot call anything else, prototype access refused at run time,
 * and `{{ }}` escapes every value so a hostile model name cannot inject markup.
 */
function environment(templatesDir: string): Environment {
  const known = environments.get(templatesDir);
  if (known) return known;
  const hbs = Handlebars.create();
  hbs.unregisterHelper('log');
  hbs.registerHelper('isMissing', (item: DocumentItem) => item.kind === 'missing');
  const options = {
    knownHelpers: { isMissing: true, log: false },
    knownHelpersOnly: true,
    strict: false,
  };
  for (const file of readdirSync(templatesDir)
    .filter((name) => name.endsWith('.hbs'))
    .sort())
    hbs.registerPartial(
      path.basename(file, '.hbs'),
      hbs.compile(readFileSync(path.join(templatesDir, file), 'utf8'), options),
    );
  const page = hbs.compile(readFileSync(path.join(templatesDir, 'document.hbs'), 'utf8'), options);
  const helpers = Object.keys(hbs.helpers).sort();
  if (helpers.join() !== [...TEMPLATE_HELPERS].sort().join())
    throw new Error(`unexpected template helpers: ${helpers.join(', ')}`);
  const built = { hbs, page };
  environments.set(templatesDir, built);
  return built;
}

const RUNTIME = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowedProtoProperties: {},
  allowedProtoMethods: {},
} as const;

export function renderHtml(
  document: RegulatoryDocument,
  generatedAt: string,
  templatesDir = defaultTemplatesDir(),
): string {
  const { hbs, page } = environment(templatesDir);
  const missingPartial = document.sections.find((section) => !hbs.partials[section.id]);
  if (missingPartial) throw new Error(`no template for section ${missingPartial.id}`);
  return page({ document, generatedAt, completeness: completenessReport(document) }, RUNTIME);
}

/** Markdown escaping of registry text, so it cannot add headings, links or HTML to the document. */
function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (char) => `\\${char}`).replace(/\n/g, ' ');
}

export function renderMarkdown(document: RegulatoryDocument, generatedAt: string): string {
  const lines = [
    `# ${md(document.title)}`,
    '',
    `Model ${md(document.model)}, version ${md(document.version)}. Document kind ${document.kind}. Generated ${generatedAt}.`,
  ];
  for (const section of document.sections) {
    lines.push('', `## ${md(section.title)}`, '', `*Clause: ${md(section.clause)}*`, '');
    for (const item of section.items) {
      if (item.kind === 'missing')
        lines.push(
          `- **MISSING: ${md(item.label)}** — required by ${md(item.requiredBy)}; add ${md(item.toAdd)}.`,
        );
      else {
        const cites = item.citations
          .map((c) => `${c.record} ${c.id} · ${c.field}${c.sha256 ? ` · sha256:${c.sha256}` : ''}`)
          .join('; ');
        lines.push(`- **${md(item.label)}:** ${md(item.text)} \\[${md(cites)}\\]`);
      }
    }
  }
  const gaps = completenessReport(document);
  lines.push('', '## Completeness report', '');
  if (!gaps.length) lines.push('Every required section and field is filled from the registry.');
  else {
    lines.push('| Section | Missing | Required by | What to add |', '|---|---|---|---|');
    for (const gap of gaps)
      lines.push(`| ${md(gap.section)} | ${md(gap.label)} | ${md(gap.requiredBy)} | ${md(gap.toAdd)} |`);
  }
  return lines.join('\n') + '\n';
}
