import { Injectable } from '@nestjs/common';
import { mayBeSamePerson } from '@praesidium/access';
import { randomUUID } from 'node:crypto';
import {
  manifestSignature,
  signatureSha256,
  SigningCredentials,
  type Signer,
  type SignRequest,
} from '@praesidium/model-registry';
import { ProblemError } from '@praesidium/problem';
import { BiasReportStore, type BiasReportRecord, type BiasReportSignature } from './bias-report.store.js';

/**
 * Why `signer` may not sign `report` as `role` (before the PIN is checked), or undefined: they must
 * hold the role, the report must be completed (it has a `reportSha256` to bind to), and its requester
 * may not sign it off.
 */
export function signOffRefusal(
  report: Pick<BiasReportRecord, 'status' | 'reportSha256' | 'requestedBy'>,
  signer: Pick<Signer, 'subject' | 'roles'>,
  role: string,
): 'signature.role_invalid' | 'bias.report_not_ready' | 'bias.requester_signs' | undefined {
  if (!signer.roles.includes(role)) return 'signature.role_invalid';
  if (report.status !== 'completed' || report.reportSha256 === null) return 'bias.report_not_ready';
  // Their namesake at another issuer neither (separation of duties: see `mayBeSamePerson`).
  if (mayBeSamePerson({ subject: report.requestedBy }, signer)) return 'bias.requester_signs';
  return undefined;
}

/**
 * The ethics board's sign-off of a bias report: a 21 CFR Part 11 electronic signature made the
 * registry's way (signer, printed name, time, meaning, the signing PIN re-entered, `SigningCredentials`
 * shared with the registry's signatures), bound to the report's `reportSha256`. Only a completed
 * report can be signed, and not by the person who requested it. The model-version approval guard
 * counts an `approved` sign-off of an ethics-board member on a report computed for that version.
 */
@Injectable()
export class BiasReportSignOff {
  constructor(
    private readonly store: BiasReportStore,
    private readonly credentials: SigningCredentials,
  ) {}

  async sign(reportId: string, signer: Signer, request: SignRequest): Promise<BiasReportSignature> {
    const report = await this.store.find(reportId);
    const refusal = signOffRefusal(report, signer, request.role);
    if (refusal || report.reportSha256 === null) throw new ProblemError(refusal ?? 'bias.report_not_ready');
    await this.credentials.reauthenticate(signer, request.pin);
    if (request.recordSha256 !== report.reportSha256) throw new ProblemError('signature.record_mismatch');
    const manifestation = manifestSignature(signer, request, report.reportSha256);
    const signature: BiasReportSignature = {
      id: randomUUID(),
      reportId,
      ...manifestation,
      signatureSha256: signatureSha256(manifestation),
    };
    await this.store.addSignature(signature);
    return signature;
  }
}
