import { ConsentCache } from './consent-cache.js';
import type { ConsentRecord } from './consent-provision.js';

const record = (consentId: string): ConsentRecord => ({
  consentId,
  version: 1,
  status: 'active',
  dateTime: new Date('2026-01-01T00:00:00Z'),
  provision: { type: 'permit' },
});

describe('consent cache', () => {
  it('serves a patient from memory until the patient is invalidated', async () => {
    const cache = new ConsentCache(60_000);
    let loads = 0;
    const load = () => cache.getOrLoad('p1', async () => [record(`v${(loads += 1)}`)]);
    expect((await load())[0].consentId).toBe('v1');
    expect((await load())[0].consentId).toBe('v1');
    cache.invalidate('p1');
    expect((await load())[0].consentId).toBe('v2');
  });

  it('never keeps what was read before an invalidation that happened during the read', async () => {
    const cache = new ConsentCache(60_000);
    let release: () => void = () => undefined;
    const slowRead = cache.getOrLoad(
      'p1',
      () => new Promise((resolve) => (release = () => resolve([record('stale')]))),
    );
    cache.invalidate('p1');
    release();
    expect((await slowRead)[0].consentId).toBe('stale');
    expect((await cache.getOrLoad('p1', async () => [record('fresh')]))[0].consentId).toBe('fresh');
  });

  it('reads the store every time while it is off, and forgets entries past their lifetime', async () => {
    const off = new ConsentCache(60_000, { enabled: false });
    let loads = 0;
    await off.getOrLoad('p1', async () => ((loads += 1), []));
    await off.getOrLoad('p1', async () => ((loads += 1), []));
    expect(loads).toBe(2);
    const expired = new ConsentCache(0);
    await expired.getOrLoad('p1', async () => ((loads += 1), []));
    await new Promise((resolve) => setTimeout(resolve, 2));
    await expired.getOrLoad('p1', async () => ((loads += 1), []));
    expect(loads).toBe(4);
  });

  it('holds at most its bound of patients, dropping the least recently loaded', async () => {
    const cache = new ConsentCache(60_000, { maxEntries: 2 });
    for (const patient of ['a', 'b', 'c']) await cache.getOrLoad(patient, async () => []);
    expect(cache.size).toBe(2);
    let reloaded = false;
    await cache.getOrLoad('a', async () => ((reloaded = true), []));
    expect(reloaded).toBe(true);
  });

  it('serves only until the change feed stops vouching for it, then reads the store', async () => {
    const cache = new ConsentCache(60_000, { enabled: false });
    let loads = 0;
    const load = () => cache.getOrLoad('p1', async () => ((loads += 1), []));
    cache.vouchUntil(Date.now() + 50);
    await load();
    await load();
    expect(loads).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await load();
    expect(loads).toBe(2);
    cache.vouchUntil(Date.now() + 60_000);
    await load();
    expect(loads).toBe(2);
  });
});
