import { PendingOutcomes } from './pending-outcomes.js';

describe('PendingOutcomes', () => {
  it('waits for the outcome records still committing, and then takes no more after release', async () => {
    const pending = new PendingOutcomes();
    let committed = false;
    pending.track(
      new Promise<void>((resolve) => setTimeout(resolve, 20)).then(() => void (committed = true)),
    );
    expect(pending.size).toBe(1);
    expect(await pending.drain(5000)).toBe(0);
    expect(committed).toBe(true);
    expect(pending.isClosing).toBe(true);
  });

  it('gives up after its bound and says how many were left', async () => {
    const pending = new PendingOutcomes();
    pending.track(new Promise<void>(() => undefined));
    expect(await pending.drain(10)).toBe(1);
  });
});
