import { evidenceItems, text, titledEvidence, TITLED_EVIDENCE } from './citations.js';
import {
  missing,
  statement,
  type DocumentItem,
  type DocumentSection,
  type RegulatoryDocument,
} from './document-model.js';
import { aiThreatStatements, PLATFORM, securityTestStatements } from './platform.js';
import type { RegistrySnapshot } from './snapshot.js';

const GUIDANCE =
  'FDA Cybersecurity in Medical Devices: Quality System Considerations and Content of Premarket Submissions';
const clause = (section: string) => `${GUIDANCE} §${section}`;
const AIDSF_XII = 'FDA AI-enabled device software functions draft guidance (Jan 2025) §XII';

/** What the cybersecurity document says of the SBOM file it ships beside. */
export interface SbomSummary {
  readonly fileName: string;
  /** The SBOM's serial number, derived from the lockfile (the file's own hash moves with its timestamp). */
  readonly serialNumber: string;
  /** SHA-256 of the package-lock.json the SBOM describes. */
  readonly lockSha256: string;
  readonly components: number;
  /** Whether level of support and end of support were configured (npm records neither). */
  readonly supportConfigured: boolean;
}

const describe = (e: RegistrySnapshot['evidence'][number]) =>
  `${e.title}${text(e.details['summary']) ? `: ${text(e.details['summary'])}` : ''}`;

function threatModel(s: RegistrySnapshot): DocumentSection {
  return {
    id: 'cyber-threat-model',
    title: 'Threat model',
    clause: `${clause('V.A.1')}; ${AIDSF_XII}`,
    items: [
      ...titledEvidence(
        s,
        TITLED_EVIDENCE.threatModel,
        'Threat model of the device',
        `${clause('V.A.1')}; ${AIDSF_XII}`,
        'a threat model covering data poisoning, model inversion, evasion and data leakage',
      ),
      ...aiThreatStatements(),
    ],
  };
}

function architecture(): DocumentSection {
  const views = PLATFORM.securityArchitecture;
  return {
    id: 'cyber-architecture',
    title: 'Security architecture views',
    clause: `${clause('V.B.2')} and Appendix 2`,
    items: [views.global, views.multiPatient, views.updateability, views.useCases],
  };
}

function sbomSection(sbom: SbomSummary | undefined): DocumentSection {
  const items: DocumentItem[] = [];
  if (!sbom)
    items.push(missing('Software bill of materials', clause('V.A.4'), 'the CycloneDX SBOM of the platform'));
  else {
    items.push(
      statement(
        'Software bill of materials',
        `${sbom.fileName} (${sbom.serialNumber}): CycloneDX 1.6 JSON, ${sbom.components} components with package URL, hashes, licence where recorded and the resolved dependency graph.`,
        [{ record: 'platform', id: 'package-lock.json', field: 'packages', sha256: sbom.lockSha256 }],
      ),
    );
    items.push(
      sbom.supportConfigured
        ? statement(
            'Level of support and end of support',
            'Each component carries `praesidium:levelOfSupport` and `praesidium:endOfSupport` from the configured support policy.',
            [{ record: 'platform', id: sbom.fileName, field: 'components[].properties' }],
          )
        : missing(
            'Level of support and end of support',
            clause('V.A.4'),
            'a support policy for the platform’s components (npm records neither level nor end of support)',
          ),
    );
  }
  return {
    id: 'cyber-sbom',
    title: 'Software bill of materials',
    clause: `${clause('V.A.4')}; FD&C Act §524B(b)(3)`,
    items,
  };
}

function testing(s: RegistrySnapshot): DocumentSection {
  return {
    id: 'cyber-testing',
    title: 'Cybersecurity testing',
    clause: `${clause('V.C')}; ${AIDSF_XII}`,
    items: [
      ...securityTestStatements(),
      ...evidenceItems(s, 'test_report', 'Security test of the model interface', describe, {
        requiredBy: `${clause('V.C')}; ${AIDSF_XII}`,
        toAdd:
          'test_report evidence of malformed-input (fuzz) and penetration testing of the model interface',
      }),
    ],
  };
}

function labelingAndPlan(): DocumentSection {
  return {
    id: 'cyber-management',
    title: 'Cybersecurity labeling and management plan',
    clause: `${clause('VI')}; FD&C Act §524B(b)(1)–(2)`,
    items: [PLATFORM.gatewayControls, PLATFORM.cybersecurityManagement],
  };
}

/** The premarket cybersecurity content of a submission: threat model, views, SBOM, tests, plan. */
export function buildFdaCybersecurity(s: RegistrySnapshot, sbom?: SbomSummary): RegulatoryDocument {
  return {
    kind: 'fda-cybersecurity',
    title: `Premarket cybersecurity: ${s.model.displayName} ${s.version.version}`,
    model: s.model.name,
    version: s.version.version,
    sections: [threatModel(s), architecture(), sbomSection(sbom), testing(s), labelingAndPlan()],
  };
}
