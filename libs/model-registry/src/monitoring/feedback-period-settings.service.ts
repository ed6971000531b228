import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { feedbackPeriodName, type FeedbackPeriodLength } from '@praesidium/config';
import { FeedbackPeriodSettingEntity } from './feedback-monitoring.entity.js';
import { periodSettings } from './feedback-period-settings.js';
import type { PeriodSetting } from './feedback-periods.js';

/** How often a setting is tried again when another process took its revision number at the same time. */
const ADOPT_ATTEMPTS = 5;

export interface PeriodAdoption {
  /** The new setting, if the length was not already in force. */
  readonly adopted?: FeedbackPeriodSettingEntity;
  /** The setting in force before (the one kept, when nothing was adopted). */
  readonly previous?: FeedbackPeriodSettingEntity;
}

/**
 * The period length the clinician-feedback schedule cuts periods by, as a history in the registry
 * rather than each process's environment: whichever process runs a job records with the length in
 * force, and a change is dated, so the periods before it keep their grid and the ones after take the
 * new one (no period overlaps another or is counted twice).
 */
@Injectable()
export class FeedbackPeriodSettings {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Every setting, oldest first. */
  async history(): Promise<FeedbackPeriodSettingEntity[]> {
    return this.dataSource.getRepository(FeedbackPeriodSettingEntity).find({ order: { revision: 'ASC' } });
  }

  /** The settings as periods are cut by them, oldest first. */
  async settings(): Promise<PeriodSetting[]> {
    return periodSettings(await this.history());
  }

  /**
   * Puts `length` in force from `at` (the database's clock by default, never before the setting it
   * follows) unless it already is. Two processes starting at once take revisions n and n + 1 in turn;
   * the loser reads again, and adopts nothing if the winner put the same length in force.
   */
  async adopt(length: FeedbackPeriodLength, setBy: string, at?: Date): Promise<PeriodAdoption> {
    const period = feedbackPeriodName(length);
    const settings = this.dataSource.getRepository(FeedbackPeriodSettingEntity);
    for (let attempt = 0; attempt < ADOPT_ATTEMPTS; attempt += 1) {
      const [previous] = await settings.find({ order: { revision: 'DESC' }, take: 1 });
      if (previous?.period === period) return { previous };
      const revision = (previous?.revision ?? 0) + 1;
      const inserted: unknown[] = await this.dataSource.query(
        `INSERT INTO registry.feedback_period_setting (revision, period, in_force_from, set_by)
         VALUES ($1, $2, greatest(coalesce($3::timestamptz, now()), $4::timestamptz), $5)
         ON CONFLICT ON CONSTRAINT pk_registry_feedback_period_setting DO NOTHING
         RETURNING revision`,
        [revision, period, at ?? null, previous?.inForceFrom ?? null, setBy],
      );
      if (inserted.length === 0) continue;
      const adopted = await settings.findOneByOrFail({ revision });
      return previous ? { adopted, previous } : { adopted };
    }
    throw new Error('the feedback period setting kept changing under this process');
  }
}
