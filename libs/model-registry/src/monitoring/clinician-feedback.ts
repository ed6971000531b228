/** What a clinician said of an output (EU AI Act Art. 14): the gateway records it, the console asks for it. */
export const FEEDBACK_VERDICTS = ['accepted', 'modified', 'rejected'] as const;

/** Why a clinician accepted, modified or rejected an output: coded, never free text (it could name a patient). */
export const FEEDBACK_REASONS = [
  'output.agrees_with_assessment',
  'output.incorrect',
  'output.incomplete',
  'output.not_applicable',
  'output.unsafe',
  'output.unclear',
  'output.other',
] as const;
