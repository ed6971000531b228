import fc from 'fast-check';
import { claimMappingSchema } from '@praesidium/config';
import { mapClaims, valueAt } from './claim-mapping.js';

describe('claim mapping', () => {
  it('reads dotted paths and segment lists, own properties only', () => {
    const claims = JSON.parse(
      '{"realm_access":{"roles":["a"]},"resource_access":{"my.app":{"roles":["b"]}},"__proto__":{"roles":["x"]}}',
    ) as Record<string, unknown>;
    expect(valueAt(claims, 'realm_access.roles')).toEqual(['a']);
    expect(valueAt(claims, ['resource_access', 'my.app', 'roles'])).toEqual(['b']);
    expect(valueAt(claims, 'resource_access.my.app.roles')).toBeUndefined();
    expect(valueAt(claims, 'constructor')).toBeUndefined();
    expect(valueAt(claims, 'realm_access.roles.length')).toBeUndefined();
    expect(valueAt(claims, 'toString')).toBeUndefined();
  });

  it('unions list claims, takes the first single value, renames roles and drops unmapped ones', () => {
    const mapping = claimMappingSchema.parse({
      roles: ['realm_access.roles', 'groups'],
      departments: ['dept', 'departments'],
      site: ['site', 'location'],
      roleMap: { doctor: 'clinician', auditor: 'security-officer', ghost: 'not-a-role' },
    });
    const identity = mapClaims(
      {
        realm_access: { roles: ['doctor', 'offline_access'] },
        groups: ['auditor', 'doctor', 'ghost'],
        dept: 'spine',
        departments: ['pain-medicine', 'spine', 7],
        location: 'north',
        name: 'A. Rivera',
      },
      mapping,
    );
    expect(identity).toEqual({
      name: 'A. Rivera',
      roles: ['clinician', 'security-officer'],
      departments: ['spine', 'pain-medicine'],
      site: 'north',
      trainings: [],
    });
  });

  it('without a role map keeps only roles already named like Praesidium roles', () => {
    const identity = mapClaims({ roles: ['clinician', 'Clinician', 'root'] }, claimMappingSchema.parse({}));
    expect(identity.roles).toEqual(['clinician']);
  });

  it('never takes a value from the prototype chain, whatever the path', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            '__proto__',
            'constructor',
            'prototype',
            'toString',
            'valueOf',
            'hasOwnProperty',
            'roles',
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (segments) => {
          // Nothing is defined, so any value found could only come from a prototype.
          expect(valueAt({}, segments)).toBeUndefined();
          expect(
            valueAt(JSON.parse('{"__proto__":{}}') as Record<string, unknown>, [...segments, 'x']),
          ).toBeUndefined();
        },
      ),
    );
  });
});
