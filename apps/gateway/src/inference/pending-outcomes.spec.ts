import { PendingOutcomes } from './pending-outcomes.js';

describe('PendingOutcomes', () => {
  it('holds an outcome append until the next request record, or until its hold time passes', async () => {
    const pending = new PendingOutcomes(20);
    const started: string[] = [];
    pending.hold(async () => void started.push('first'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(started).toEqual([]);
    pending.release();
    expect(started).toEqual(['first']);
    pending.hold(async () => void started.push('second'));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(started).toEqual(['first', 'second']);
  });

  it('starts what it holds at stop, waits for it, and then takes no more after release', async () => {
    const pending = new PendingOutcomes(60_000);
    let committed = false;
    pending.hold(() =>
      new Promise<void>((resolve) => setTimeout(resolve, 20)).then(() => void (committed = true)),
    );
    expect(pending.size).toBe(1);
    expect(await pending.drain(5000)).toBe(0);
    expect(committed).toBe(true);
    expect(pending.isClosing).toBe(true);
  });

  it('gives up after its bound and says how many were left', async () => {
    const pending = new PendingOutcomes(1);
    pending.hold(() => new Promise<void>(() => undefined));
    expect(await pending.drain(10)).toBe(1);
  });
});
