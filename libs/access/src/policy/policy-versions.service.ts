import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { contentHash } from '@praesidium/digest';
import { ProblemError } from '@praesidium/problem';
import { mayBeSamePerson } from '../identity.js';
import { policyActivations } from './policy-bus.js';
import { parsePolicyDocument, type PolicyDocument } from './policy-document.js';
import { PolicyActivationEntity, PolicyVersionEntity } from './policy.entity.js';

// Any id of ours: serializes version numbering across processes.
const POLICY_LOCK_ID = 7_235_044;

export interface PolicyVersionView {
  readonly version: number;
  readonly sha256: string;
  readonly author: string;
  readonly reason: string;
  readonly createdAt: Date;
  readonly approvedBy: string | null;
  readonly activatedAt: Date | null;
  readonly document?: PolicyDocument;
}

/**
 * Versioned policy documents under four-eyes control: a security officer proposes a version (stored
 * append-only with author, reason and SHA-256), a different one approves it, which activates it.
 */
@Injectable()
export class PolicyVersions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Stores a new version if it parses and names only known things; the active policy is untouched. */
  async proposePolicy(input: unknown, author: string, reason: string): Promise<PolicyVersionView> {
    const document = parsePolicyDocument(input);
    const row = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [POLICY_LOCK_ID]);
      const [{ next }]: { next: number }[] = await manager.query(
        'SELECT COALESCE(MAX(version), 0) + 1 AS next FROM access.policy_version',
      );
      const entity: PolicyVersionEntity = {
        version: next,
        document: document as unknown as Record<string, unknown>,
        sha256: contentHash(document),
        author,
        reason,
        createdAt: new Date(),
      };
      await manager.insert(PolicyVersionEntity, entity as QueryDeepPartialEntity<PolicyVersionEntity>);
      return entity;
    });
    return { ...view(row, undefined), document };
  }

  /** Activates a proposed version; its author cannot be its approver (`policy.four_eyes`). */
  async approvePolicy(version: number, approver: string): Promise<PolicyVersionView> {
    const proposed = await this.dataSource.getRepository(PolicyVersionEntity).findOneBy({ version });
    if (!proposed) throw new ProblemError('policy.not_found');
    // Four eyes: the author's namesake at another issuer is no second person (`mayBeSamePerson`).
    if (mayBeSamePerson({ subject: proposed.author }, { subject: approver }))
      throw new ProblemError('policy.four_eyes');
    const activation: PolicyActivationEntity = { version, approvedBy: approver, activatedAt: new Date() };
    try {
      await this.dataSource.getRepository(PolicyActivationEntity).insert(activation);
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code === '23505')
        throw new ProblemError('policy.not_pending');
      throw error;
    }
    policyActivations.emit('activated', version);
    return view(proposed, activation);
  }

  async listVersions(): Promise<PolicyVersionView[]> {
    const [versions, activations] = await Promise.all([
      this.dataSource.getRepository(PolicyVersionEntity).find({ order: { version: 'DESC' } }),
      this.dataSource.getRepository(PolicyActivationEntity).find(),
    ]);
    const byVersion = new Map(activations.map((activation) => [activation.version, activation]));
    return versions.map((row) => view(row, byVersion.get(row.version)));
  }

  async getVersion(version: number): Promise<PolicyVersionView & { document: PolicyDocument }> {
    const row = await this.dataSource.getRepository(PolicyVersionEntity).findOneBy({ version });
    if (!row) throw new ProblemError('policy.not_found');
    const activation = await this.dataSource.getRepository(PolicyActivationEntity).findOneBy({ version });
    return { ...view(row, activation ?? undefined), document: row.document as unknown as PolicyDocument };
  }
}

function view(row: PolicyVersionEntity, activation: PolicyActivationEntity | undefined): PolicyVersionView {
  return {
    version: row.version,
    sha256: row.sha256,
    author: row.author,
    reason: row.reason,
    createdAt: row.createdAt,
    approvedBy: activation?.approvedBy ?? null,
    activatedAt: activation?.activatedAt ?? null,
  };
}
