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

/**
 * A Handlebars environment of its own: only our partials and one pure helper (no helper reads files
 * or the environment); Handlebars ≥4.6 refuses prototype access, and `{{ }}` escapes every value so
 * a hostile model name cannot inject markup.
 */
function environment(templatesDir: string): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.registerHelper('isMissing', (item: DocumentItem) => item.kind === 'missing');
  for (const file of readdirSync(templatesDir).filter((name) => name.endsWith('.hbs')))
    hbs.registerPartial(path.basename(file, '.hbs'), readFileSync(path.join(templatesDir, file), 'utf8'));
  return hbs;
}

export function renderHtml(
  document: RegulatoryDocument,
  generatedAt: string,
  templatesDir = defaultTemplatesDir(),
): string {
  const hbs = environment(templatesDir);
  const missingPartial = document.sections.find((section) => !hbs.partials[section.id]);
  if (missingPartial) throw new Error(`no template for section ${missingPartial.id}`);
  const template = hbs.compile(readFileSync(path.join(templatesDir, 'document.hbs'), 'utf8'), {
    knownHelpers: { isMissing: true },
  });
  return template({ document, generatedAt, completeness: completenessReport(document) });
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
