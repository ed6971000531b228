import fc from 'fast-check';
import { decideConsent, provisionApplies, type ConsentQuestion } from './consent-decision.js';
import type { Coding, ConsentRecord, Provision } from './consent-provision.js';

/**
 * Invariants of the decision engine over random provision trees, consents and questions, drawn from
 * small vocabularies so that criteria often match.
 */
const PURPOSES = ['TREAT', 'ETREAT', 'HRESCH', 'CLINTRCH', 'HOPERAT'] as const;
const CLASSES = ['imaging', 'notes', 'labs'];
const LABELS = ['N', 'R', 'PSY'];
const ACTORS = ['Practitioner/a', 'Practitioner/b', 'Device/m1', 'Device/m2'];
const ROLES = ['clinician', 'nurse'];
const ACTIONS = ['use', 'access', 'disclose'];
const DAYS = ['2026-01-01', '2026-03-01', '2026-06-01', '2026-09-01', '2026-12-01'].map(
  (d) => `${d}T00:00:00Z`,
);

const codings = (values: readonly string[]) =>
  fc
    .uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 2 })
    .map((codes) => codes.map((code) => ({ code })));
const period = fc
  .tuple(
    fc.option(fc.constantFrom(...DAYS), { nil: undefined }),
    fc.option(fc.constantFrom(...DAYS), { nil: undefined }),
  )
  .map(([start, end]) => ({ start, end }));

const criterion = fc.oneof(
  period.map((value) => ({ period: value })),
  codings(PURPOSES).map((purpose) => ({ purpose })),
  codings(CLASSES).map((value) => ({ class: value })),
  codings(LABELS).map((securityLabel) => ({ securityLabel })),
  codings(ACTIONS).map((list) => ({ action: list.map((coding) => ({ coding: [coding] })) })),
  fc.oneof(
    fc.constantFrom(...ACTORS).map((reference) => ({ actor: [{ reference: { reference } }] })),
    fc.constantFrom(...ROLES).map((code) => ({ actor: [{ role: { coding: [{ code }] } }] })),
  ),
  period.map((dataPeriod) => ({ dataPeriod })),
);
/** Mostly zero to two criteria per provision, so that provisions often apply. */
const criteria = fc
  .array(criterion, { maxLength: 2 })
  .map((list) => Object.assign({}, ...list) as Omit<Provision, 'type' | 'provision'>);

/** Provision trees up to `depth` levels of nested exceptions. */
function provisionTree(depth: number): fc.Arbitrary<Provision> {
  const children = depth === 0 ? fc.constant([]) : fc.array(provisionTree(depth - 1), { maxLength: 3 });
  return fc
    .tuple(
      fc.option(fc.constantFrom('permit' as const, 'deny' as const), { nil: undefined, freq: 4 }),
      criteria,
      children,
    )
    .map(([type, rest, nested]) => ({
      ...(type ? { type } : {}),
      ...rest,
      ...(nested.length ? { provision: nested } : {}),
    }));
}

const rootProvision = fc
  .tuple(fc.constantFrom('permit' as const, 'deny' as const), provisionTree(3))
  .map(([type, tree]) => ({ ...tree, type }));

const consentRecord = fc
  .tuple(
    fc.uuid(),
    fc.constantFrom('active', 'active', 'active', 'inactive', 'rejected', 'draft') as fc.Arbitrary<
      ConsentRecord['status']
    >,
    fc.constantFrom(...DAYS),
    rootProvision,
  )
  .map(([consentId, status, dateTime, provision]) => ({
    consentId,
    version: 1,
    status,
    dateTime: new Date(dateTime),
    provision,
  }));

const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 4 });
const question: fc.Arbitrary<ConsentQuestion> = fc.record({
  purposeOfUse: fc.constantFrom(...PURPOSES),
  at: fc.constantFrom(...DAYS).map((day) => new Date(new Date(day).getTime() + 86_400_000)),
  actors: optional(fc.subarray(ACTORS)),
  roles: optional(fc.subarray(ROLES)),
  action: optional(fc.constantFrom(...ACTIONS)),
  dataClasses: optional(fc.subarray(CLASSES, { minLength: 1 })),
  securityLabels: optional(fc.subarray(LABELS, { minLength: 1 })),
  dataPeriod: optional(period),
});
const siteDefaults = fc.subarray([...PURPOSES]);

/** Every path in a tree with its provision and the effective (inherited) type. */
function walk(provision: Provision, path = 'provision', inherited?: 'permit' | 'deny') {
  const type = provision.type ?? inherited;
  const nodes: { path: string; provision: Provision; type: 'permit' | 'deny' | undefined }[] = [
    { path, provision, type },
  ];
  for (const [index, child] of (provision.provision ?? []).entries())
    nodes.push(...walk(child, `${path}.provision[${index}]`, type));
  return nodes;
}

/** Adds a nested deny with no criteria under the provision at `path`: it matches whenever its parent does. */
function withCatchAllDenyUnder(provision: Provision, path: string, current = 'provision'): Provision {
  if (current === path)
    return { ...provision, provision: [...(provision.provision ?? []), { type: 'deny' }] };
  return {
    ...provision,
    provision: provision.provision?.map((child, index) =>
      withCatchAllDenyUnder(child, path, `${current}.provision[${index}]`),
    ),
  };
}

/**
 * The deny provisions of a tree that apply to the question (they and all their ancestors, read as
 * refusals), each with whether a permit nested somewhere under it applies (read as a grant all along).
 */
function applicableDenies(provision: Provision, q: ConsentQuestion) {
  const found: { path: string; overridden: boolean }[] = [];
  const visit = (
    node: Provision,
    path: string,
    inherited: 'permit' | 'deny' | undefined,
    loose: boolean,
    strict: boolean,
  ) => {
    const nodeLoose = loose && provisionApplies(node, q, 'deny');
    const nodeStrict = strict && provisionApplies(node, q, 'permit');
    if (!nodeLoose) return;
    const type = node.type ?? inherited;
    if (type === 'deny') found.push({ path, overridden: permitsBelow(node, type, nodeStrict) });
    for (const [index, child] of (node.provision ?? []).entries())
      visit(child, `${path}.provision[${index}]`, type, nodeLoose, nodeStrict);
  };
  const permitsBelow = (node: Provision, type: 'permit' | 'deny' | undefined, strict: boolean): boolean =>
    (node.provision ?? []).some((child) => {
      const childStrict = strict && provisionApplies(child, q, 'permit');
      const childType = child.type ?? type;
      return (childStrict && childType === 'permit') || permitsBelow(child, childType, childStrict);
    });
  visit(provision, 'provision', undefined, true, true);
  return found;
}

describe('consent decision invariants (property-based)', () => {
  it('never permits what a matching deny provision forbids, unless a permit nested under that deny applies', () => {
    fc.assert(
      fc.property(
        fc.array(consentRecord, { maxLength: 4 }),
        question,
        siteDefaults,
        (consents, q, defaults) => {
          const decision = decideConsent(consents, q, defaults);
          if (decision.decision !== 'permit' || !decision.consentId) return;
          const winner = consents.find((c) => c.consentId === decision.consentId)!;
          for (const deny of applicableDenies(winner.provision, q))
            expect(deny).toMatchObject({ overridden: true });
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('never permits where the deciding provision has a matching deny exception under it', () => {
    fc.assert(
      fc.property(
        fc.array(consentRecord, { maxLength: 4 }),
        question,
        siteDefaults,
        (consents, q, defaults) => {
          const decision = decideConsent(consents, q, defaults);
          if (decision.decision !== 'permit' || !decision.consentId) return;
          // Put a catch-all deny under the provision that permitted: it now matches, so it must refuse.
          const patched = consents.map((c) =>
            c.consentId === decision.consentId
              ? { ...c, provision: withCatchAllDenyUnder(c.provision, decision.provisionPath ?? 'provision') }
              : c,
          );
          expect(decideConsent(patched, q, defaults).decision).toBe('deny');
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('never permits when the latest consent that speaks holds a matching deny with nothing nested', () => {
    fc.assert(
      fc.property(
        fc.array(consentRecord, { maxLength: 4 }),
        question,
        siteDefaults,
        (consents, q, defaults) => {
          const refusal: ConsentRecord = {
            consentId: 'refusal',
            version: 1,
            status: 'active',
            dateTime: new Date('2027-01-01T00:00:00Z'),
            provision: { type: 'deny', purpose: [{ code: q.purposeOfUse }] },
          };
          expect(decideConsent([...consents, refusal], q, defaults)).toMatchObject({
            decision: 'deny',
            consentId: 'refusal',
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('names, when it permits, an active consent whose named provision is a permit', () => {
    fc.assert(
      fc.property(
        fc.array(consentRecord, { maxLength: 4 }),
        question,
        siteDefaults,
        (consents, q, defaults) => {
          const decision = decideConsent(consents, q, defaults);
          if (decision.decision !== 'permit' || decision.reason === 'consent.site_default') return;
          const consent = consents.find((c) => c.consentId === decision.consentId);
          expect(consent?.status).toBe('active');
          const node = walk(consent!.provision).find((n) => n.path === decision.provisionPath);
          expect(node?.type).toBe('permit');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never permits more for knowing less: an unknown attribute cannot turn a refusal into a permit', () => {
    fc.assert(
      fc.property(
        fc.array(consentRecord, { maxLength: 4 }),
        question,
        siteDefaults,
        fc.constantFrom('actors', 'roles', 'action', 'dataClasses', 'securityLabels', 'dataPeriod'),
        (consents, q, defaults, forget) => {
          const known = decideConsent(consents, q, defaults);
          const unknown = decideConsent(consents, { ...q, [forget]: undefined }, defaults);
          if (known.decision === 'deny') expect(unknown.decision).toBe('deny');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('lets a permit outvote a refusal only from a strictly later consent', () => {
    fc.assert(
      fc.property(fc.array(consentRecord, { minLength: 1, maxLength: 4 }), question, (consents, q) => {
        const decision = decideConsent(consents, q, []);
        if (decision.decision !== 'permit') return;
        const winner = consents.find((c) => c.consentId === decision.consentId)!;
        for (const other of consents) {
          if (other === winner) continue;
          const alone = decideConsent([other], q, []);
          if (alone.decision === 'deny' && alone.consentId)
            expect(other.dateTime.getTime()).toBeLessThan(winner.dateTime.getTime());
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('does not depend on the order the consents are listed in', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(consentRecord, { maxLength: 4, selector: (c) => c.consentId })
          .chain((consents) =>
            fc.tuple(fc.constant(consents), fc.shuffledSubarray(consents, { minLength: consents.length })),
          ),
        question,
        siteDefaults,
        ([consents, shuffled], q, defaults) => {
          expect(decideConsent(shuffled, q, defaults)).toEqual(decideConsent(consents, q, defaults));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never turns a refusal into a permit when a deny provision is added anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(consentRecord, { minLength: 1, maxLength: 4 }),
        question,
        siteDefaults,
        fc.nat(),
        fc.nat(),
        criteria,
        (consents, q, defaults, which, where, added) => {
          if (decideConsent(consents, q, defaults).decision === 'permit') return;
          const target = which % consents.length;
          const paths = walk(consents[target].provision).map((node) => node.path);
          const patched = consents.map((c, index) =>
            index === target
              ? {
                  ...c,
                  provision: withProvisionUnder(c.provision, paths[where % paths.length], {
                    type: 'deny',
                    ...added,
                  }),
                }
              : c,
          );
          expect(decideConsent(patched, q, defaults).decision).toBe('deny');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never permits through a consent that is not active or whose root period has ended', () => {
    fc.assert(
      fc.property(
        fc.array(consentRecord, { maxLength: 4 }),
        question,
        siteDefaults,
        (consents, q, defaults) => {
          const decision = decideConsent(consents, q, defaults);
          if (decision.decision !== 'permit' || !decision.consentId) return;
          const winner = consents.find((c) => c.consentId === decision.consentId)!;
          expect(winner.status).toBe('active');
          const end = winner.provision.period?.end;
          if (end) expect(q.at.getTime()).toBeLessThanOrEqual(new Date(end).getTime());
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses, once the consent that permitted is revoked, whatever the earlier consents said', () => {
    fc.assert(
      fc.property(
        fc.array(consentRecord, { minLength: 1, maxLength: 4 }),
        question,
        siteDefaults,
        (consents, q, defaults) => {
          const decision = decideConsent(consents, q, defaults);
          if (decision.decision !== 'permit' || !decision.consentId) return;
          const revokedAt = new Date(q.at.getTime() - 1);
          const revoked = consents.map((c) =>
            c.consentId === decision.consentId
              ? { ...c, version: c.version + 1, status: 'inactive' as const, dateTime: revokedAt }
              : c,
          );
          // Every consent here is dated before the question: the revocation is the latest word.
          if (revoked.some((c) => c.dateTime > revokedAt)) return;
          expect(decideConsent(revoked, q, defaults)).toMatchObject({
            decision: 'deny',
            reason: 'consent.revoked',
            consentId: decision.consentId,
          });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never permits through an opt-out (policyRule OPTOUT) whose provisions grant nothing', () => {
    fc.assert(
      fc.property(rootlessDenyTree, question, (provision, q) => {
        const optOut: ConsentRecord = {
          consentId: 'opt-out',
          version: 1,
          status: 'active',
          dateTime: new Date(DAYS[0]),
          provision,
          policyRule: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }],
          },
        };
        const decision = decideConsent([optOut], q, [...PURPOSES]);
        if (provisionApplies(provision, q, 'deny')) expect(decision.decision).toBe('deny');
      }),
      { numRuns: 2000 },
    );
  });

  it('never permits more for a criterion the engine cannot read (text only, no code, display only)', () => {
    fc.assert(
      fc.property(
        fc.array(consentRecord, { minLength: 1, maxLength: 4 }),
        question,
        siteDefaults,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        (consents, q, defaults, mask) => {
          if (decideConsent(consents, q, defaults).decision === 'permit') return;
          const blurred = consents.map((c) => ({
            ...c,
            provision: mapProvisions(c.provision, mask, unreadable),
          }));
          expect(decideConsent(blurred, q, defaults).decision).toBe('deny');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never lets an actor through by re-spelling a reference (case, absolute URL, version)', () => {
    fc.assert(
      fc.property(
        fc.array(consentRecord, { minLength: 1, maxLength: 4 }),
        question,
        siteDefaults,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(...RESPELLINGS),
        (consents, q, defaults, mask, respell) => {
          if (decideConsent(consents, q, defaults).decision === 'permit') return;
          const respelt = consents.map((c) => ({
            ...c,
            provision: mapProvisions(c.provision, mask, (p) => respellActors(p, respell)),
          }));
          expect(decideConsent(respelt, q, defaults).decision).toBe('deny');
        },
      ),
      { numRuns: 3000 },
    );
  });
});

/** Adds `added` as the last exception of the provision at `path`. */
function withProvisionUnder(
  provision: Provision,
  path: string,
  added: Provision,
  current = 'provision',
): Provision {
  if (current === path) return { ...provision, provision: [...(provision.provision ?? []), added] };
  return {
    ...provision,
    provision: provision.provision?.map((child, index) =>
      withProvisionUnder(child, path, added, `${current}.provision[${index}]`),
    ),
  };
}

/** Applies `change` to the provisions of a tree that the mask (cycled, depth first) selects. */
function mapProvisions(
  provision: Provision,
  mask: readonly boolean[],
  change: (provision: Provision) => Provision,
  counter = { index: 0 },
): Provision {
  const selected = mask[counter.index++ % mask.length];
  const own = selected ? change(provision) : provision;
  return own.provision
    ? { ...own, provision: own.provision.map((child) => mapProvisions(child, mask, change, counter)) }
    : own;
}

/** The same criteria as the engine may meet them unreadable: codings without code, text-only concepts, display-only actors. */
function unreadable(provision: Provision): Provision {
  const blur = (codings?: readonly Coding[]) => codings?.map(({ code }) => ({ display: code }));
  return {
    ...provision,
    ...(provision.class ? { class: blur(provision.class) } : {}),
    ...(provision.securityLabel ? { securityLabel: blur(provision.securityLabel) } : {}),
    ...(provision.action ? { action: provision.action.map(() => ({ text: 'some action' })) } : {}),
    ...(provision.actor
      ? { actor: provision.actor.map((actor) => ({ role: actor.role, reference: { display: 'someone' } })) }
      : {}),
  };
}

const RESPELLINGS: readonly ((reference: string) => string)[] = [
  (reference) => reference.toUpperCase(),
  (reference) => `https://fhir.hospital.example/fhir/${reference}`,
  (reference) => `${reference}/_history/3`,
];

function respellActors(provision: Provision, respell: (reference: string) => string): Provision {
  if (!provision.actor) return provision;
  return {
    ...provision,
    actor: provision.actor.map((actor) =>
      actor.reference?.reference
        ? { ...actor, reference: { ...actor.reference, reference: respell(actor.reference.reference) } }
        : actor,
    ),
  };
}

/** Trees whose every provision is untyped (so, under an opt-out, a refusal) or a deny. */
function denyOnlyTree(depth: number): fc.Arbitrary<Provision> {
  const children = depth === 0 ? fc.constant([]) : fc.array(denyOnlyTree(depth - 1), { maxLength: 2 });
  return fc
    .tuple(fc.option(fc.constant('deny' as const), { nil: undefined }), criteria, children)
    .map(([type, rest, nested]) => ({
      ...(type ? { type } : {}),
      ...rest,
      ...(nested.length ? { provision: nested } : {}),
    }));
}
const rootlessDenyTree = denyOnlyTree(2).map(({ type: _type, ...root }) => root as Provision);
