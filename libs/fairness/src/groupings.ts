import type { BiasReportSettings } from './bias-report-settings.js';
import type { EvaluationTable } from './evaluation-table.js';

export const INTERSECTION_SEPARATOR = ' × ';

/** One group of a grouping: the rows whose attributes take these values, made of these cells. */
export interface Group {
  readonly key: string;
  readonly values: Readonly<Record<string, string>>;
  readonly cells: number[];
}

/** A way to split the population: one sensitive attribute, or an intersection of several. */
export interface Grouping {
  readonly name: string;
  readonly attributes: readonly string[];
  readonly groups: Group[];
}

/** Each attribute alone, then the intersections the settings ask for, in a stable order. */
export function groupingAttributeSets(
  attributes: readonly string[],
  intersections: BiasReportSettings['intersections'],
): string[][] {
  const sets = attributes.map((attribute) => [attribute]);
  if (intersections === 'none') return sets;
  if (Array.isArray(intersections)) {
    for (const set of intersections) {
      const unknown = set.filter((attribute) => !attributes.includes(attribute));
      if (unknown.length) throw new Error(`intersection names unmapped attribute(s): ${unknown.join(', ')}`);
    }
    return [...sets, ...intersections.map((set) => [...set])];
  }
  const combos: string[][] = [];
  const maxSize = intersections === 'pairs' ? 2 : attributes.length;
  const extend = (start: number, current: string[]) => {
    if (current.length >= 2) combos.push([...current]);
    if (current.length === maxSize) return;
    for (let i = start; i < attributes.length; i++) extend(i + 1, [...current, attributes[i]]);
  };
  extend(0, []);
  combos.sort((a, b) => a.length - b.length);
  return [...sets, ...combos];
}

export function buildGroupings(table: EvaluationTable, attributeSets: string[][]): Grouping[] {
  return attributeSets.map((attributes) => {
    const positions = attributes.map((attribute) => table.attributes.indexOf(attribute));
    const byKey = new Map<string, Group>();
    table.cells.forEach((cell, cellIndex) => {
      const values = positions.map((position) => cell.values[position]);
      const key = values.join(INTERSECTION_SEPARATOR);
      let group = byKey.get(key);
      if (!group) {
        group = { key, values: Object.fromEntries(attributes.map((a, i) => [a, values[i]])), cells: [] };
        byKey.set(key, group);
      }
      group.cells.push(cellIndex);
    });
    const groups = [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
    return { name: attributes.join(INTERSECTION_SEPARATOR), attributes, groups };
  });
}
