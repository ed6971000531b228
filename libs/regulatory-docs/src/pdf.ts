import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** Debian's Chromium package; PDF output needs it. */
export const CHROMIUM = '/usr/bin/chromium';

export class PdfUnavailableError extends Error {}

/** Why PDF cannot be made here, or undefined when it can. */
export function pdfUnavailable(chromium = CHROMIUM): string | undefined {
  return existsSync(chromium)
    ? undefined
    : `PDF needs Chromium at ${chromium} (Debian: apt-get install chromium); HTML, Markdown and DOCX were written`;
}

/**
 * Prints the print-ready HTML to PDF with headless Chromium (no network: the HTML has no external
 * resource, and the page is loaded from a private temporary file).
 */
export async function renderPdf(html: string, chromium = CHROMIUM): Promise<Buffer> {
  const why = pdfUnavailable(chromium);
  if (why) throw new PdfUnavailableError(why);
  const dir = await mkdtemp(path.join(tmpdir(), 'praesidium-pdf-'));
  try {
    const source = path.join(dir, 'document.html');
    const target = path.join(dir, 'document.pdf');
    await writeFile(source, html, { mode: 0o600 });
    await promisify(execFile)(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-extensions',
        '--no-first-run',
        `--user-data-dir=${path.join(dir, 'profile')}`,
        '--no-pdf-header-footer',
        `--print-to-pdf=${target}`,
        `file://${source}`,
      ],
      { timeout: 60_000 },
    );
    return await readFile(target);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
