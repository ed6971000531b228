import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { contentHash } from '@praesidium/digest';
import { ProblemError } from '@praesidium/problem';
import type { ModelVersionEntity } from '../model.entity.js';
import { declaredFloorProblems, MAX_DECLARED_FEEDBACK_FLOORS } from './feedback-floors.js';
import { FeedbackFloorRevisionEntity } from './feedback-monitoring.entity.js';
import type { PerformanceFloor } from './performance-floors.js';

/**
 * The floors a version's clinician feedback is held to, declared once in its post-market plan (MDR
 * Annex III: indicators and threshold values) instead of with each recording. A change is a new
 * revision beside the earlier ones, with who, when and why; nothing is overwritten.
 */
@Injectable()
export class FeedbackFloors {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Declares the version's floors as its next revision (an empty list withdraws them). The version's
   * row is locked meanwhile, so two declarations at once are revisions n and n + 1, never a clash.
   */
  async declare(
    version: ModelVersionEntity,
    floors: readonly PerformanceFloor[],
    reason: string,
    actor: string,
  ): Promise<FeedbackFloorRevisionEntity> {
    assertDeclarable(floors);
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT id FROM registry.model_version WHERE id = $1 FOR UPDATE`, [version.id]);
      const [latest]: { revision: number | null }[] = await manager.query(
        `SELECT max(revision) AS revision FROM registry.feedback_floor_revision WHERE version_id = $1`,
        [version.id],
      );
      const row: FeedbackFloorRevisionEntity = {
        id: randomUUID(),
        versionId: version.id,
        revision: Number(latest?.revision ?? 0) + 1,
        floors: floors.map(({ metric, subgroup, minimum }) => ({ metric, subgroup, minimum })),
        floorsSha256: contentHash(floors),
        reason,
        declaredBy: actor,
        declaredAt: new Date(),
      };
      await manager.insert(FeedbackFloorRevisionEntity, row);
      return row;
    });
  }

  /** Every revision of the version's floors, oldest first. */
  async revisions(versionId: string): Promise<FeedbackFloorRevisionEntity[]> {
    return this.dataSource
      .getRepository(FeedbackFloorRevisionEntity)
      .find({ where: { versionId }, order: { revision: 'ASC' } });
  }

  /** The revision in force, if the version has declared floors (it may be an empty withdrawal). */
  async current(versionId: string): Promise<FeedbackFloorRevisionEntity | undefined> {
    const [latest] = await this.dataSource
      .getRepository(FeedbackFloorRevisionEntity)
      .find({ where: { versionId }, order: { revision: 'DESC' }, take: 1 });
    return latest;
  }
}

/** The floors' own rules, checked here too: a job or another module may declare without the API. */
function assertDeclarable(floors: readonly PerformanceFloor[]): void {
  if (floors.length > MAX_DECLARED_FEEDBACK_FLOORS)
    throw new ProblemError('request.invalid', `at most ${MAX_DECLARED_FEEDBACK_FLOORS} floors`);
  const problems = declaredFloorProblems(floors);
  if (problems.length > 0)
    throw new ProblemError(
      'request.invalid',
      problems[0].message,
      problems.map((problem) => ({ path: `floors[${problem.index}]`, message: problem.message })),
    );
}
