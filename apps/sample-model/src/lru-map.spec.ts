import { LruMap } from './lru-map.js';

describe('LruMap', () => {
  it('never holds more than its capacity', () => {
    const map = new LruMap<string, number>(3);
    for (let index = 0; index < 100; index++) map.set(`k${index}`, index);
    expect(map.size).toBe(3);
    expect(map.get('k99')).toBe(99);
    expect(map.get('k96')).toBeUndefined();
  });

  it('forgets the least recently used entry first: a read keeps an entry', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect(map.get('a')).toBe(1);
    expect(map.get('b')).toBeUndefined();
    expect(map.get('c')).toBe(3);
  });

  it('replaces a key in place without evicting another', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 10);
    expect(map.size).toBe(2);
    expect(map.get('a')).toBe(10);
    expect(map.get('b')).toBe(2);
  });

  it('refuses a capacity below one', () => {
    expect(() => new LruMap(0)).toThrow(RangeError);
  });
});
