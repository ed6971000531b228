import {
  Document,
  HeadingLevel,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { completenessReport, type RegulatoryDocument } from './document-model.js';

const cell = (text: string, bold = false) =>
  new TableCell({ children: [new Paragraph({ children: [new TextRun({ text, bold })] })] });

/**
 * The document as DOCX (editable in Word): the same headings, statements with their citations,
 * MISSING markers and completeness table as the HTML. Registry text goes in as text runs, never as
 * markup. The package is re-zipped with `generatedAt` as every date in it, so the same records and
 * time give the same bytes.
 */
export async function renderDocx(document: RegulatoryDocument, generatedAt: string): Promise<Buffer> {
  const children: (Paragraph | Table)[] = [
    new Paragraph({ text: document.title, heading: HeadingLevel.TITLE }),
    new Paragraph({
      text: `Model ${document.model}, version ${document.version}. Document kind ${document.kind}. Generated ${generatedAt}.`,
    }),
  ];
  for (const section of document.sections) {
    children.push(new Paragraph({ text: section.title, heading: HeadingLevel.HEADING_1 }));
    children.push(
      new Paragraph({ children: [new TextRun({ text: `Clause: ${section.clause}`, italics: true })] }),
    );
    for (const item of section.items) {
      if (item.kind === 'missing')
        children.push(
          new Paragraph({
            bullet: { level: 0 },
            children: [
              new TextRun({ text: `MISSING: ${item.label}`, bold: true, color: 'AA0000' }),
              new TextRun({ text: ` — required by ${item.requiredBy}; add ${item.toAdd}.`, color: 'AA0000' }),
            ],
          }),
        );
      else
        children.push(
          new Paragraph({
            bullet: { level: 0 },
            children: [
              new TextRun({ text: `${item.label}: `, bold: true }),
              new TextRun({ text: item.text }),
              new TextRun({
                text: ` [${item.citations
                  .map((c) => `${c.record} ${c.id} · ${c.field}${c.sha256 ? ` · sha256:${c.sha256}` : ''}`)
                  .join('; ')}]`,
                size: 16,
                color: '555555',
              }),
            ],
          }),
        );
    }
  }
  children.push(new Paragraph({ text: 'Completeness report', heading: HeadingLevel.HEADING_1 }));
  const gaps = completenessReport(document);
  if (!gaps.length)
    children.push(new Paragraph({ text: 'Every required section and field is filled from the registry.' }));
  else
    children.push(
      new Table({
        width: { size: 100, type: WidthType.PERCENTAGE },
        rows: [
          new TableRow({
            tableHeader: true,
            children: ['Section', 'Missing', 'Required by', 'What to add'].map((h) => cell(h, true)),
          }),
          ...gaps.map(
            (gap) =>
              new TableRow({
                children: [gap.section, gap.label, gap.requiredBy, gap.toAdd].map((t) => cell(t)),
              }),
          ),
        ],
      }),
    );
  const packed = await Packer.toBuffer(
    new Document({
      creator: 'Praesidium',
      title: document.title,
      description: `${document.kind} ${document.model} ${document.version}`,
      sections: [{ children }],
    }),
  );
  return deterministic(packed, generatedAt);
}

/** Sets the package's creation dates and every zip entry's time to `generatedAt`. */
function deterministic(packed: Uint8Array, generatedAt: string): Buffer {
  const entries = unzipSync(packed);
  const core = entries['docProps/core.xml'];
  if (core) {
    const stamp = generatedAt.replace(/\.\d{3}Z$/, 'Z');
    entries['docProps/core.xml'] = strToU8(
      strFromU8(core).replace(
        /(<dcterms:(created|modified)[^>]*>)[^<]*(<\/dcterms:\2>)/g,
        (_, open: string, _name: string, close: string) => `${open}${stamp}${close}`,
      ),
    );
  }
  const names = Object.keys(entries).sort();
  const zipped = zipSync(Object.fromEntries(names.map((name) => [name, entries[name] as Uint8Array])), {
    mtime: new Date(generatedAt),
    level: 6,
  });
  return Buffer.from(zipped);
}
