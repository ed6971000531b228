import type { Identity } from '../identity.js';
import { SuspensionList } from './suspension-list.js';

const rivera: Identity = { subject: 'dr.amara.rivera', issuer: 'https://idp.example' };
const namesake: Identity = { subject: 'dr.amara.rivera', issuer: 'https://other-idp.example' };

/** A store the test controls: what a read returns, whether it fails, and reads held in flight. */
class FakeStore {
  suspended: Identity[] = [];
  down = false;
  reads = 0;
  private held: (() => void)[] = [];
  holding = false;

  read = async (): Promise<readonly Identity[]> => {
    this.reads += 1;
    const answer = [...this.suspended];
    const down = this.down;
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    if (down) throw new Error('connection refused');
    return answer;
  };

  release(): void {
    this.holding = false;
    for (const resolve of this.held.splice(0)) resolve();
  }
}

/** Lets reads of the fake store (answered in memory) settle. */
const readsDone = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the list of suspended people', () => {
  let clock: number;
  let store: FakeStore;
  let list: SuspensionList;

  beforeEach(() => {
    clock = 10_000;
    store = new FakeStore();
    list = new SuspensionList(store.read, { refreshMs: 500, now: () => clock });
  });

  it('refuses the same subject at the same issuer only, never their namesake at another issuer', async () => {
    store.suspended = [rivera];
    expect(await list.isSuspended(rivera)).toBe(true);
    expect(await list.isSuspended(namesake)).toBe(false);
  });

  it('is a lookup in memory between reads, and reads again once the list is refreshMs old', async () => {
    await list.isSuspended(rivera);
    store.suspended = [rivera];
    clock += 499;
    expect(await list.isSuspended(rivera)).toBe(false);
    expect(store.reads).toBe(1);
    clock += 1;
    // The check that finds the list refreshMs old starts a read without waiting for it (the list in
    // hand is young enough); the checks after that read see what it read.
    await list.isSuspended(rivera);
    expect(store.reads).toBe(2);
    await readsDone();
    expect(await list.isSuspended(rivera)).toBe(true);
    expect(store.reads).toBe(2);
  });

  it('waits for the read when the list in hand is too old to use', async () => {
    await list.isSuspended(rivera);
    store.suspended = [rivera];
    clock += 1001;
    expect(await list.isSuspended(rivera)).toBe(true);
  });

  it('shares one read among the checks that arrive while it is in flight', async () => {
    store.suspended = [rivera];
    store.holding = true;
    const checks = [list.isSuspended(rivera), list.isSuspended(namesake), list.isSuspended(rivera)];
    store.release();
    expect(await Promise.all(checks)).toEqual([true, false, true]);
    expect(store.reads).toBe(1);
  });

  it('serves the list in hand when a read fails while it is younger than a second, then refuses everyone', async () => {
    store.suspended = [rivera];
    await list.isSuspended(rivera);
    store.down = true;
    clock += 600;
    expect(await list.isSuspended(namesake)).toBe(false);
    clock += 400;
    expect(await list.isSuspended(namesake)).toBe(false);
    clock += 1;
    await expect(list.isSuspended(namesake)).rejects.toMatchObject({
      code: 'access.suspensions_unavailable',
      status: 503,
    });
    clock += 10_000;
    await expect(list.isSuspended(namesake)).rejects.toMatchObject({
      code: 'access.suspensions_unavailable',
    });
  });

  it('refuses everyone before a first read has succeeded', async () => {
    store.down = true;
    await expect(list.isSuspended(namesake)).rejects.toMatchObject({
      code: 'access.suspensions_unavailable',
    });
  });

  it('retries a failed read at most every refreshMs, and recovers by itself once the store answers', async () => {
    await list.isSuspended(rivera);
    store.down = true;
    clock += 2000;
    await expect(list.isSuspended(rivera)).rejects.toThrow();
    await expect(list.isSuspended(rivera)).rejects.toThrow();
    expect(store.reads).toBe(2);
    store.down = false;
    store.suspended = [rivera];
    clock += 499;
    await expect(list.isSuspended(rivera)).rejects.toThrow();
    clock += 1;
    expect(await list.isSuspended(rivera)).toBe(true);
    expect(store.reads).toBe(3);
  });

  it('counts a change made in this process at once, without a read', async () => {
    await list.isSuspended(rivera);
    list.apply({ ...rivera, suspended: true });
    expect(await list.isSuspended(rivera)).toBe(true);
    list.apply({ ...rivera, suspended: false });
    expect(await list.isSuspended(rivera)).toBe(false);
    expect(store.reads).toBe(1);
  });

  it('keeps a change made in this process when a read that began before it ends after it', async () => {
    await list.isSuspended(rivera);
    clock += 500;
    store.holding = true;
    // The read begins before the suspension is committed, so it does not show it.
    const check = list.isSuspended(namesake);
    clock += 5;
    store.suspended = [rivera];
    list.apply({ ...rivera, suspended: true });
    store.release();
    await check;
    await readsDone();
    expect(await list.isSuspended(rivera)).toBe(true);
    // A read begun after the change shows it by itself; lifted meanwhile elsewhere, it counts.
    store.suspended = [];
    clock += 500;
    await list.isSuspended(rivera);
    await readsDone();
    expect(await list.isSuspended(rivera)).toBe(false);
  });

  it('reads on every check with a refresh interval of 0', async () => {
    list = new SuspensionList(store.read, { refreshMs: 0, now: () => clock });
    await list.isSuspended(rivera);
    store.suspended = [rivera];
    expect(await list.isSuspended(rivera)).toBe(true);
    expect(store.reads).toBe(2);
  });
});
