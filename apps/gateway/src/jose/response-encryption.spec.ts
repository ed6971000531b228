import { ResponseEncryption } from './response-encryption.js';

describe('ResponseEncryption.isRequested', () => {
  it.each([
    ['application/jose', true],
    ['application/json, application/jose;q=0.5', true],
    ['APPLICATION/JOSE', true],
    ['application/jose;q=0', false],
    ['application/jose; q=0.0, application/json', false],
    ['application/jose+json', false],
    ['application/json', false],
    ['*/*', false],
    [undefined, false],
  ])('Accept %j asks for an encrypted answer: %s', (accept, expected) => {
    expect(ResponseEncryption.isRequested(accept)).toBe(expected);
  });
});
