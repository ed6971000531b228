import { SeenAssertions } from './seen-assertions.js';

describe('SeenAssertions', () => {
  let now = 1_000_000_000;
  const seen = () => new SeenAssertions(() => now * 1000);

  it('refuses a jti seen before while the assertion could still verify', () => {
    const store = seen();
    expect(store.firstUse('a', now + 35)).toBe(true);
    expect(store.firstUse('a', now + 35)).toBe(false);
    now += 34;
    expect(store.firstUse('a', now + 35)).toBe(false);
    expect(store.firstUse('b', now + 35)).toBe(true);
  });

  it('forgets each jti once its assertion has expired, so memory follows the call rate', () => {
    const store = seen();
    for (let second = 0; second < 600; second++) {
      now += 1;
      for (let call = 0; call < 10; call++) store.firstUse(`${second}-${call}`, now + 35);
    }
    // Ten calls a second, each remembered 35 s: about 350 entries, not 6 000.
    expect(store.size).toBeLessThanOrEqual(360);
  });

  it('sweeps past a jti remembered longer than the ones after it once it expires', () => {
    const store = seen();
    store.firstUse('long', now + 65);
    for (let index = 0; index < 100; index++) store.firstUse(`short-${index}`, now + 35);
    now += 66;
    store.firstUse('next', now + 35);
    expect(store.size).toBe(1);
  });
});
