import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
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
  /** The version in force when this one was proposed (null for versions a migration activated). */
  readonly basedOn: number | null;
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
        basedOn: await activeVersion(manager),
      };
      await manager.insert(PolicyVersionEntity, entity as QueryDeepPartialEntity<PolicyVersionEntity>);
      return entity;
    });
    return { ...view(row, undefined), document };
  }

  /**
   * Activates a proposed version; its author cannot be its approver (`policy.four_eyes`), and the
   * version it was proposed on must still be in force (`policy.stale`): approving a proposal made
   * before a newer activation would undo that activation, which its approver never saw as a change.
   * Under the lock proposals take, so two approvals are decided one after the other; the activation
   * time is the database's, so the order of activations does not depend on each server's clock.
   */
  async approvePolicy(version: number, approver: string): Promise<PolicyVersionView> {
    const { proposed, activation } = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [POLICY_LOCK_ID]);
      const found = await manager.findOneBy(PolicyVersionEntity, { version });
      if (!found) throw new ProblemError('policy.not_found');
      // Four eyes: the author's namesake at another issuer is no second person (`mayBeSamePerson`).
      if (mayBeSamePerson({ subject: found.author }, { subject: approver }))
        throw new ProblemError('policy.four_eyes');
      if (await manager.existsBy(PolicyActivationEntity, { version }))
        throw new ProblemError('policy.not_pending');
      const inForce = await activeVersion(manager);
      if (found.basedOn !== inForce)
        throw new ProblemError(
          'policy.stale',
          `version ${version} was proposed on version ${found.basedOn ?? 'none'}, and version ` +
            `${inForce ?? 'none'} is in force now: propose the change again on top of it`,
        );
      const [row]: { activatedAt: Date }[] = await manager.query(
        `INSERT INTO access.policy_activation (version, approved_by) VALUES ($1, $2)
           RETURNING activated_at AS "activatedAt"`,
        [version, approver],
      );
      return { proposed: found, activation: { version, approvedBy: approver, activatedAt: row.activatedAt } };
    });
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
    basedOn: row.basedOn ?? null,
    approvedBy: activation?.approvedBy ?? null,
    activatedAt: activation?.activatedAt ?? null,
  };
}

/** The version in force as the database says: the latest activation (as `PolicyStore` loads it). */
async function activeVersion(manager: EntityManager): Promise<number | null> {
  const [row]: { version: number }[] = await manager.query(
    `SELECT version FROM access.policy_activation ORDER BY activated_at DESC, version DESC LIMIT 1`,
  );
  return row?.version ?? null;
}
