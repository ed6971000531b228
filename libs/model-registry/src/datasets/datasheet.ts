import { z } from 'zod';

const text = (max: number) => z.string().min(1).max(max);
const shares = z.record(text(100), z.number().min(0).max(1));

/** A datasheet for a dataset (Gebru et al.; FDA's data-management expectations for AI devices). */
export const datasheetSchema = z
  .object({
    provenance: text(4000),
    collectionSites: z.array(text(200)).min(1).max(200),
    collectionPeriod: z.object({ from: z.iso.date(), to: z.iso.date() }).strict(),
    inclusionCriteria: text(4000),
    exclusionCriteria: text(4000),
    /** Share of each group per attribute (sex, age band, race, ethnicity), as collected. */
    demographics: z
      .object({ sex: shares, age: shares, race: shares.optional(), ethnicity: shares.optional() })
      .strict(),
    acquisitionEquipment: z.array(text(200)).max(100).default([]),
    annotation: z.object({ method: text(2000), referenceStandard: text(2000) }).strict(),
    /** How test data are kept independent of training and tuning data (patients, sites, time). */
    independenceControls: text(4000),
  })
  .strict();
export type Datasheet = z.infer<typeof datasheetSchema>;

/** What the data-quality report checks the rows against. */
export const qualitySpecSchema = z
  .object({
    ranges: z.record(text(100), z.object({ min: z.number(), max: z.number() }).strict()).default({}),
    labelColumn: text(100).optional(),
    /** The model's intended population: per demographic column, each group's expected share. */
    intendedPopulation: z.record(text(100), shares).default({}),
    /** A group is under-represented below this share of its expected share (default 0.8). */
    representationRatio: z.number().min(0).max(1).default(0.8),
  })
  .strict();
export type QualitySpec = z.infer<typeof qualitySpecSchema>;

export type Cell = string | number | boolean | null;
export type Row = Readonly<Record<string, Cell>>;

export interface DataQualityReport {
  readonly rowCount: number;
  readonly missingPerColumn: Record<string, number>;
  readonly duplicateRows: number;
  readonly outOfRange: Record<string, number>;
  readonly labelBalance?: Record<string, number>;
  readonly representativeness: readonly {
    attribute: string;
    group: string;
    observedShare: number;
    expectedShare: number;
    isUnderrepresented: boolean;
  }[];
}

/**
 * The data-quality report of a dataset or evaluation file: missing values per column, duplicate
 * rows, out-of-range values, label balance, and each demographic group's share against the model's
 * intended population.
 */
export function dataQualityReport(rows: readonly Row[], spec: QualitySpec): DataQualityReport {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].sort();
  const missingPerColumn = Object.fromEntries(
    columns.map((column) => [column, rows.filter((row) => isMissing(row[column])).length]),
  );
  const seen = new Set<string>();
  let duplicateRows = 0;
  for (const row of rows) {
    const key = JSON.stringify(columns.map((column) => row[column] ?? null));
    if (seen.has(key)) duplicateRows += 1;
    seen.add(key);
  }
  const outOfRange = Object.fromEntries(
    Object.entries(spec.ranges).map(([column, { min, max }]) => [
      column,
      rows.filter((row) => {
        const value = row[column];
        return typeof value === 'number' && (value < min || value > max);
      }).length,
    ]),
  );
  const representativeness = Object.entries(spec.intendedPopulation).flatMap(([attribute, expected]) => {
    const observed = shareOf(rows, attribute);
    return Object.entries(expected).map(([group, expectedShare]) => {
      const observedShare = observed[group] ?? 0;
      return {
        attribute,
        group,
        observedShare,
        expectedShare,
        isUnderrepresented: observedShare < expectedShare * spec.representationRatio,
      };
    });
  });
  return {
    rowCount: rows.length,
    missingPerColumn,
    duplicateRows,
    outOfRange,
    ...(spec.labelColumn ? { labelBalance: shareOf(rows, spec.labelColumn) } : {}),
    representativeness,
  };
}

function isMissing(value: Cell | undefined): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (typeof value === 'number' && Number.isNaN(value))
  );
}

function shareOf(rows: readonly Row[], column: string): Record<string, number> {
  const present = rows.filter((row) => !isMissing(row[column]));
  const counts: Record<string, number> = {};
  for (const row of present) {
    const key = String(row[column]);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(
    Object.entries(counts).map(([key, count]) => [key, Math.round((count / present.length) * 1e4) / 1e4]),
  );
}
