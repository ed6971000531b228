import { Inject, Injectable, Logger } from '@nestjs/common';
import { BreakGlassGrants, type GrantView } from '@praesidium/access';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';

const WEBHOOK_TIMEOUT_MS = 5000;

/**
 * Every break-glass declaration is alerted: on the console at once, and to the configured webhook
 * (PRAESIDIUM_BREAK_GLASS_WEBHOOK_URL). Neither carries the patient, nor the free-text justification
 * (which may name the patient): whoever is alerted looks the grant up in the governance API.
 */
@Injectable()
export class BreakGlassAlerter {
  private readonly logger = new Logger('BreakGlass');

  constructor(
    private readonly grants: BreakGlassGrants,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {}

  /** Raises the alert; the webhook delivery runs in the background and its outcome is recorded. */
  raise(grant: GrantView): void {
    this.logger.warn(
      `break-glass declared: grant=${grant.id} grantee=${grant.grantee} reason=${grant.reasonCode} ` +
        `expires=${grant.expiresAt}`,
    );
    const url = this.config.breakGlass.webhookUrl;
    if (!url) return;
    void this.deliver(url, grant);
  }

  private async deliver(url: string, grant: GrantView): Promise<void> {
    let delivered: boolean;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alertPayload(grant)),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      delivered = response.ok;
    } catch {
      delivered = false;
    }
    if (!delivered) this.logger.error(`break-glass alert for grant=${grant.id} could not be delivered`);
    await this.grants.recordAlert(grant.id, delivered).catch(() => undefined);
  }
}

export function alertPayload(grant: GrantView) {
  return {
    type: 'praesidium.break_glass.declared',
    grant: {
      id: grant.id,
      grantee: grant.grantee,
      reasonCode: grant.reasonCode,
      policyVersion: grant.policyVersion,
      startedAt: grant.startedAt,
      expiresAt: grant.expiresAt,
    },
  };
}
