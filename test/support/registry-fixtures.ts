/** A complete, valid model registration (a knee radiograph grading aid), as regulatory affairs would send it. */
export function exampleModel(name: string, displayName = name) {
  return {
    name,
    displayName,
    intendedUse: 'Kellgren-Lawrence grade suggestion from a knee radiograph',
    limitations: 'adults only',
    departments: ['radiology'],
    riskClass: 'IIa',
    profile: {
      manufacturer: 'Example Hospital AI Lab',
      indications: 'suspected knee osteoarthritis',
      contraindications: 'post-operative knees',
      intendedUsers: ['radiologist'],
      useEnvironment: 'hospital radiology reading room',
      clinicalWorkflow: 'suggestion shown beside the image; the radiologist reports',
      automation: 'decision-support',
      inputs: 'AP knee radiograph',
      outputs: 'KL grade 0-4 with confidence',
    },
    classification: {
      fda: { deviceClass: 'II', pathway: '510k', rationale: 'CADx for radiographs with predicates' },
      euMdr: { rule11Class: 'IIa', rationale: 'informs diagnostic decisions (Rule 11)' },
      iec62304: { safetyClass: 'B', rationale: 'non-serious injury possible; clinician reviews' },
      euAiAct: { category: 'high-risk', rationale: 'safety component of an MDR device (Art. 6(1))' },
    },
  };
}
