import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AuditTrail } from '@praesidium/audit';
import { PolicyStore } from './policy-store.service.js';

/**
 * Every audit record of the process names the access-policy version in force when it was written
 * (the gateway's inference records name the version that decided the call, which they set themselves).
 */
@Injectable()
export class PolicyVersionStamp implements OnModuleInit {
  constructor(
    private readonly trail: AuditTrail,
    private readonly policies: PolicyStore,
  ) {}

  onModuleInit(): void {
    this.trail.stampEntities(() => ({ policyVersion: this.policies.activeVersion() }));
  }
}
