/**
 * The aggregate a bias report is computed from: rows are folded, as they stream in, into cells (one per
 * combination of sensitive-attribute values) holding a confusion matrix and, when scores exist, a score
 * histogram by label with per-bin sums of score and squared score. No row is kept, so memory depends on
 * the number of cells, not of rows, and the aggregate is what gets stored — never patient-level data.
 */

export const CONFUSION_TP = 0;
export const CONFUSION_FP = 1;
export const CONFUSION_TN = 2;
export const CONFUSION_FN = 3;

/** Fine score statistics of a cell, index label·bins + bin (label 0 first). */
export interface CellScores {
  readonly count: Float64Array;
  readonly sum: Float64Array;
  readonly sumSquares: Float64Array;
}

export interface Cell {
  readonly values: readonly string[];
  /** [tp, fp, tn, fn] */
  readonly confusion: Float64Array;
  readonly scores?: CellScores;
}

export interface EvaluationTableJson {
  readonly attributes: readonly string[];
  readonly scoreBins: number | null;
  readonly rows: number;
  /** Each cell: its values, [tp, fp, tn, fn], and its non-empty score bins as [index, count, sum, sum of squares]. */
  readonly cells: readonly {
    values: string[];
    confusion: number[];
    scores?: [number, number, number, number][];
  }[];
}

interface CellIndexNode {
  readonly children: Map<string, CellIndexNode>;
  cell?: number;
}

export class EvaluationTable {
  readonly cells: Cell[] = [];
  /** Cells by value of each attribute in turn: no key string is built per row. */
  private readonly index: CellIndexNode = { children: new Map() };
  rows = 0;

  /** `scoreBins` null: no score column. Scores are binned as floor(score·bins), 1 in the top bin. */
  constructor(
    readonly attributes: readonly string[],
    readonly scoreBins: number | null,
  ) {}

  get hasScores(): boolean {
    return this.scoreBins !== null;
  }

  addRow(values: readonly string[], label: 0 | 1, prediction: 0 | 1, score?: number): void {
    const cell = this.cellFor(values);
    const slot =
      label === 1
        ? prediction === 1
          ? CONFUSION_TP
          : CONFUSION_FN
        : prediction === 1
          ? CONFUSION_FP
          : CONFUSION_TN;
    cell.confusion[slot] += 1;
    if (cell.scores && score !== undefined) {
      const bins = this.scoreBins as number;
      const index = label * bins + scoreBin(score, bins);
      cell.scores.count[index] += 1;
      cell.scores.sum[index] += score;
      cell.scores.sumSquares[index] += score * score;
    }
    this.rows += 1;
  }

  toJSON(): EvaluationTableJson {
    return {
      attributes: [...this.attributes],
      scoreBins: this.scoreBins,
      rows: this.rows,
      cells: this.cells.map((cell) => ({
        values: [...cell.values],
        confusion: Array.from(cell.confusion),
        ...(cell.scores ? { scores: sparseScores(cell.scores) } : {}),
      })),
    };
  }

  static fromJSON(json: EvaluationTableJson): EvaluationTable {
    const table = new EvaluationTable(json.attributes, json.scoreBins);
    for (const stored of json.cells) {
      const cell = table.cellFor(stored.values);
      cell.confusion.set(stored.confusion);
      for (const [index, count, sum, sumSquares] of stored.scores ?? []) {
        if (!cell.scores) break;
        cell.scores.count[index] = count;
        cell.scores.sum[index] = sum;
        cell.scores.sumSquares[index] = sumSquares;
      }
    }
    table.rows = json.rows;
    return table;
  }

  private cellFor(values: readonly string[]): Cell {
    let node = this.index;
    for (const value of values) {
      let child = node.children.get(value);
      if (!child) {
        child = { children: new Map() };
        node.children.set(value, child);
      }
      node = child;
    }
    if (node.cell !== undefined) return this.cells[node.cell];
    const bins = this.scoreBins;
    const cell: Cell = {
      values: [...values],
      confusion: new Float64Array(4),
      ...(bins === null
        ? {}
        : {
            scores: {
              count: new Float64Array(2 * bins),
              sum: new Float64Array(2 * bins),
              sumSquares: new Float64Array(2 * bins),
            },
          }),
    };
    node.cell = this.cells.length;
    this.cells.push(cell);
    return cell;
  }
}

/**
 * The bin of a score in [0, 1]. The small epsilon keeps decimal scores on their bin (0.29·100 is
 * 28.999…96 in binary): with 1000 bins, scores of up to three decimals never share a bin by rounding.
 */
export function scoreBin(score: number, bins: number): number {
  return Math.min(bins - 1, Math.floor(score * bins + 1e-9));
}

function sparseScores(scores: CellScores): [number, number, number, number][] {
  const entries: [number, number, number, number][] = [];
  scores.count.forEach((count, index) => {
    if (count > 0) entries.push([index, count, scores.sum[index], scores.sumSquares[index]]);
  });
  return entries;
}
