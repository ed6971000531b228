import { rulesToAST } from '@casl/ability/extra';
import { allowsEvery, type AppAbility, type ModelRecordSubjectName } from '../ability.js';
import type { Action, SubjectName } from './policy-vocabulary.js';

/** Where a subject field lives in SQL: a column expression, and whether it is a PostgreSQL array. */
/** ucast's condition tree, as `rulesToAST` returns it (a compound has conditions as its value). */
interface Condition {
  readonly operator: string;
  readonly value: unknown;
  readonly field?: unknown;
}
const COMPOUND = new Set(['and', 'or', 'not']);

export interface SqlColumn {
  readonly expression: string;
  readonly isArray?: boolean;
}

/** A WHERE clause and its named parameters, ready for TypeORM's `andWhere(sql, parameters)`. */
export interface SqlFilter {
  readonly sql: string;
  readonly parameters: Record<string, unknown>;
}

/**
 * The rows a principal may act on, as SQL: CASL's rules for (action, subject) flattened to one
 * condition tree (`rulesToAST`: each `can` bounded by every `cannot` above it), then written as a
 * PostgreSQL predicate with bound parameters, so rows the caller may not read never leave the database.
 * No rule → `FALSE`. A condition on a field without a column cannot be checked in SQL: it is made to
 * exclude rows whichever side of a NOT it sits on (fail closed).
 */
export function sqlFilterFor(
  ability: AppAbility,
  action: Action,
  subjectName: SubjectName,
  columns: Readonly<Record<string, SqlColumn>>,
  parameterPrefix = 'casl',
): SqlFilter {
  const ast = rulesToAST(ability, action, subjectName) as Condition | null;
  const parameters: Record<string, unknown> = {};
  if (ast === null) return { sql: 'FALSE', parameters };
  let next = 0;
  const bind = (value: unknown): string => {
    const name = `${parameterPrefix}_${next++}`;
    parameters[name] = value;
    return `:${name}`;
  };
  const write = (condition: Condition, negated: boolean): string => {
    if (COMPOUND.has(condition.operator) && Array.isArray(condition.value)) {
      const parts = condition.value as Condition[];
      if (condition.operator === 'not')
        return `NOT (${parts.map((part) => write(part, !negated)).join(' AND ')})`;
      if (condition.operator === 'and')
        return parts.length === 0 ? 'TRUE' : `(${parts.map((part) => write(part, negated)).join(' AND ')})`;
      if (condition.operator === 'or')
        return parts.length === 0 ? 'FALSE' : `(${parts.map((part) => write(part, negated)).join(' OR ')})`;
    }
    const field = condition.field;
    if (typeof field === 'string' && Object.hasOwn(columns, field)) {
      const column = columns[field];
      if (column) return fieldSql(condition.operator, column, condition.value, bind);
    }
    // Unknown here: exclude the row whether or not an outer NOT flips this predicate.
    return negated ? 'TRUE' : 'FALSE';
  };
  return { sql: write(ast, false), parameters };
}

/**
 * `sqlFilterFor` for bias reports or regulatory documents joined to the model they are of, as
 * `allowsOnModelRecord` decides in memory: a rule covering every record lets every row through, and
 * otherwise a row of no model the registry knows (`columns.model` NULL) is left out whatever the
 * conditions say, since no field of the model could be checked on it.
 */
export function modelRecordSqlFilter(
  ability: AppAbility,
  action: Action,
  subjectName: ModelRecordSubjectName,
  columns: Readonly<Record<string, SqlColumn>> & { readonly model: SqlColumn },
): SqlFilter {
  if (allowsEvery(ability, action, subjectName)) return { sql: 'TRUE', parameters: {} };
  const filter = sqlFilterFor(ability, action, subjectName, columns);
  return {
    sql: `(${columns.model.expression} IS NOT NULL AND ${filter.sql})`,
    parameters: filter.parameters,
  };
}

function fieldSql(
  operator: string,
  column: SqlColumn,
  value: unknown,
  bind: (value: unknown) => string,
): string {
  const c = column.expression;
  const list = (): string => bind(Array.isArray(value) ? value : [value]);
  switch (operator) {
    case 'eq':
      if (value === null) return `${c} IS NULL`;
      return column.isArray ? `${bind(value)} = ANY(${c})` : `${c} = ${bind(value)}`;
    case 'ne':
      if (value === null) return `${c} IS NOT NULL`;
      return column.isArray ? `NOT (${bind(value)} = ANY(${c}))` : `${c} IS DISTINCT FROM ${bind(value)}`;
    case 'in':
      return column.isArray ? `${c} && ${list()}` : `${c} = ANY(${list()})`;
    case 'nin':
      return column.isArray ? `NOT (${c} && ${list()})` : `NOT COALESCE(${c} = ANY(${list()}), FALSE)`;
    default:
      // The policy vocabulary admits no other operator; an unknown one matches nothing.
      return 'FALSE';
  }
}
