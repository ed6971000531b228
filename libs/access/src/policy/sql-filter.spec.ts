import { abilityFromPolicy } from '../ability.js';
import type { Principal } from '../principal.js';
import type { PolicyDocument } from './policy-document.js';
import { modelRecordSqlFilter, sqlFilterFor, type SqlColumn } from './sql-filter.js';

const columns: Record<string, SqlColumn> = {
  name: { expression: 'model.name' },
  departments: { expression: 'model.departments', isArray: true },
  riskClass: { expression: 'model.risk_class' },
};
const clinician: Principal = {
  subject: 'dr-weber',
  issuer: 'test',
  roles: ['clinician'],
  departments: ['cardiology'],
  trainings: [],
  expiresAt: 0,
};

function policy(rules: NonNullable<PolicyDocument['roles']['clinician']>): PolicyDocument {
  return { format: 'praesidium.policy/v1', roles: { clinician: rules } };
}

describe('SQL filters from policy rules', () => {
  it('turn a department condition into an array overlap with the principal departments as a parameter', () => {
    const ability = abilityFromPolicy(
      policy([
        {
          action: 'read',
          subject: 'Model',
          conditions: { departments: { $in: '${principal.departments}' } },
        },
      ]),
      clinician,
    );
    const filter = sqlFilterFor(ability, 'read', 'Model', columns);
    expect(filter.sql).toBe('model.departments && :casl_0');
    expect(filter.parameters).toEqual({ casl_0: ['cardiology'] });
  });

  it('match nothing without a rule, everything with an unconditional one', () => {
    expect(sqlFilterFor(abilityFromPolicy(policy([]), clinician), 'read', 'Model', columns).sql).toBe(
      'FALSE',
    );
    const open = abilityFromPolicy(policy([{ action: 'read', subject: 'Model' }]), clinician);
    expect(sqlFilterFor(open, 'read', 'Model', columns).sql).toBe('TRUE');
  });

  it('bound every allowing rule by the inverted rules after it', () => {
    const ability = abilityFromPolicy(
      policy([
        { action: 'read', subject: 'Model' },
        { action: 'read', subject: 'Model', conditions: { riskClass: 'III' }, inverted: true },
      ]),
      clinician,
    );
    const filter = sqlFilterFor(ability, 'read', 'Model', columns);
    expect(filter.sql).toBe('NOT (model.risk_class = :casl_0)');
    expect(filter.parameters).toEqual({ casl_0: 'III' });
  });

  it('fail closed on a field without a column, on either side of a NOT', () => {
    const allowing = abilityFromPolicy(
      policy([{ action: 'read', subject: 'Model', conditions: { status: 'deployed' } }]),
      clinician,
    );
    expect(sqlFilterFor(allowing, 'read', 'Model', columns).sql).toBe('FALSE');
    const denying = abilityFromPolicy(
      policy([
        { action: 'read', subject: 'Model' },
        { action: 'read', subject: 'Model', conditions: { status: 'retired' }, inverted: true },
      ]),
      clinician,
    );
    expect(sqlFilterFor(denying, 'read', 'Model', columns).sql).toBe('NOT (TRUE)');
  });

  it('keep a bias report of no registry model out of a narrowed list, and every report in an unconditioned one', () => {
    const reportColumns = {
      requestedBy: { expression: 'r.requested_by' },
      model: { expression: 'scope.scope_model' },
      departments: { expression: 'scope.scope_departments', isArray: true },
    };
    const narrowed = abilityFromPolicy(
      policy([
        {
          action: 'read',
          subject: 'BiasReport',
          conditions: { departments: { $in: '${principal.departments}' } },
        },
        { action: 'read', subject: 'BiasReport', conditions: { model: { $ne: 'chest-xray-triage' } } },
      ]),
      clinician,
    );
    const filter = modelRecordSqlFilter(narrowed, 'read', 'BiasReport', reportColumns);
    expect(filter.sql).toBe(
      '(scope.scope_model IS NOT NULL AND (scope.scope_model IS DISTINCT FROM :casl_0 OR scope.scope_departments && :casl_1))',
    );
    expect(filter.parameters).toEqual({ casl_0: 'chest-xray-triage', casl_1: ['cardiology'] });
    const every = abilityFromPolicy(policy([{ action: 'read', subject: 'BiasReport' }]), clinician);
    expect(modelRecordSqlFilter(every, 'read', 'BiasReport', reportColumns)).toEqual({
      sql: 'TRUE',
      parameters: {},
    });
    expect(modelRecordSqlFilter(every, 'sign', 'BiasReport', reportColumns).sql).toContain('FALSE');
  });
});
