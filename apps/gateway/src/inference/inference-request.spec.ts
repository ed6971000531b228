import type { ProblemError } from '@praesidium/problem';
import { splitClinicalContext } from './inference-request.js';

describe('splitClinicalContext', () => {
  it('takes the patient and purpose out of what the model receives', () => {
    const { context, forwarded } = splitClinicalContext({
      id: 'r1',
      parameters: { patient: 'Patient/esi-1', purpose_of_use: 'TREAT', threshold: 0.5 },
      inputs: [],
    });
    expect(context).toEqual({ patientReference: 'Patient/esi-1', purposeOfUse: 'TREAT' });
    expect(forwarded).toEqual({ id: 'r1', parameters: { threshold: 0.5 }, inputs: [] });
    expect(JSON.stringify(forwarded)).not.toContain('esi-1');
  });

  it.each([
    [{ inputs: [] }, 'request.patient_missing'],
    [{ parameters: { patient: 'Patient/x', purpose_of_use: 'MARKETING' } }, 'request.purpose_invalid'],
    [{ parameters: { patient: '../../etc', purpose_of_use: 'TREAT' } }, 'request.patient_missing'],
    [[1, 2], 'request.invalid'],
  ])('refuses %j with %s', (body, code) => {
    expect(() => splitClinicalContext(body)).toThrow(expect.objectContaining({ code }) as ProblemError);
  });
});
