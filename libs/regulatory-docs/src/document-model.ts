/** Where a statement comes from: a registry record and field, or a piece of evidence by its SHA-256. */
export interface Citation {
  readonly record: string;
  readonly id: string;
  readonly field: string;
  readonly sha256?: string;
}

export interface Statement {
  readonly kind: 'statement';
  readonly label: string;
  readonly text: string;
  readonly citations: readonly Citation[];
}

/** An input the document needs and the registry does not hold: rendered as "MISSING: …", never invented. */
export interface Missing {
  readonly kind: 'missing';
  readonly label: string;
  readonly requiredBy: string;
  readonly toAdd: string;
}

export type DocumentItem = Statement | Missing;

export interface DocumentSection {
  /** Also the name of the section's Handlebars partial. */
  readonly id: string;
  readonly title: string;
  readonly clause: string;
  readonly items: readonly DocumentItem[];
}

export interface CompletenessEntry {
  readonly section: string;
  readonly label: string;
  readonly requiredBy: string;
  readonly toAdd: string;
}

export interface RegulatoryDocument {
  readonly kind: string;
  readonly title: string;
  readonly model: string;
  readonly version: string;
  readonly sections: readonly DocumentSection[];
}

/** A statement when the value is present, otherwise the explicit gap that names what to add. */
export function fact(
  label: string,
  value: string | undefined | null,
  citation: Citation,
  gap: { requiredBy: string; toAdd: string },
): DocumentItem {
  const text = value?.trim();
  if (!text) return { kind: 'missing', label, ...gap };
  return { kind: 'statement', label, text, citations: [citation] };
}

export function missing(label: string, requiredBy: string, toAdd: string): Missing {
  return { kind: 'missing', label, requiredBy, toAdd };
}

export function statement(label: string, text: string, citations: readonly Citation[]): Statement {
  return { kind: 'statement', label, text, citations };
}

/** Every gap of the document, section by section, with the clause that needs it. */
export function completenessReport(document: RegulatoryDocument): CompletenessEntry[] {
  return document.sections.flatMap((section) =>
    section.items.flatMap((item) =>
      item.kind === 'missing'
        ? [{ section: section.title, label: item.label, requiredBy: item.requiredBy, toAdd: item.toAdd }]
        : [],
    ),
  );
}
