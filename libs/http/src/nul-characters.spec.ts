import { carriesNulCharacter } from './nul-characters.js';

describe('carriesNulCharacter', () => {
  it('finds U+0000 in strings, keys and nested members, and nothing in clean input', () => {
    expect(carriesNulCharacter('a\u0000b')).toBe(true);
    expect(carriesNulCharacter({ ['k\u0000']: 1 })).toBe(true);
    expect(carriesNulCharacter({ a: [{ b: ['x', 'y\u0000'] }] })).toBe(true);
    expect(carriesNulCharacter({ a: [{ b: ['x', 'y'] }], n: 1, z: null, t: true })).toBe(false);
    expect(carriesNulCharacter(Buffer.from([0, 1, 2]))).toBe(false);
  });

  it('walks inputs nested deeper than the call stack', () => {
    let deep: unknown = 'leaf\u0000';
    for (let level = 0; level < 200_000; level += 1) deep = [deep];
    expect(carriesNulCharacter(deep)).toBe(true);
  });

  it('ends on inputs that link back to themselves, as multipart bodies do', () => {
    const body: Record<string, unknown> = { title: { value: 'clean' } };
    body.file = { type: 'file', fields: body, file: new (class Upload {})() };
    expect(carriesNulCharacter(body)).toBe(false);
    (body.title as { value: string }).value = 'nul\u0000';
    expect(carriesNulCharacter(body)).toBe(true);
  });
});
