import type { ModelVersionSubject, SqlColumn } from '@praesidium/access';

/**
 * The registry model a record is of, read beside it as `scope` (a LATERAL join on this SELECT): what a
 * policy's `model`, `departments` and `riskClass` conditions are evaluated on, for bias reports and
 * regulatory documents alike.
 */
export const MODEL_SCOPE_SELECT = `SELECT m.name AS scope_model, m.departments AS scope_departments,
           m.risk_class AS scope_risk_class FROM registry.model m`;

export interface ModelScopeRow {
  scope_model: string | null;
  scope_departments: string[] | null;
  scope_risk_class: string | null;
}

/** Where the model's fields live in a query joined to `scope`, for list filtering in SQL. */
export const MODEL_SCOPE_COLUMNS = {
  model: { expression: 'scope.scope_model' },
  departments: { expression: 'scope.scope_departments', isArray: true },
  riskClass: { expression: 'scope.scope_risk_class' },
} as const satisfies Record<string, SqlColumn>;

/** The model of a joined row, or null when the registry does not have it. */
export function modelScopeOf(row: ModelScopeRow): ModelVersionSubject | null {
  if (row.scope_model === null || row.scope_risk_class === null) return null;
  return {
    model: row.scope_model,
    departments: row.scope_departments ?? [],
    riskClass: row.scope_risk_class,
  };
}
