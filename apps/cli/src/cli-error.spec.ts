import { ProblemError } from '@praesidium/problem';
import { describeCliError } from './cli-error.js';

describe('describeCliError', () => {
  it('shows a problem as its reason code and detail, with each located problem below', () => {
    const error = new ProblemError('request.invalid', 'bad month', [
      { path: '--month', message: 'not YYYY-MM' },
    ]);
    expect(describeCliError(error)).toBe('request.invalid: bad month\n  --month: not YYYY-MM');
  });

  it('keeps the name of any other error', () => {
    expect(describeCliError(new TypeError('boom'))).toBe('TypeError: boom');
    expect(describeCliError('plain')).toBe('plain');
  });
});
