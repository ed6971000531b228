import { EventEmitter } from 'node:events';

/**
 * In-process news of a policy activation: when gateway and governance share one process (the
 * embedded default), the gateway reloads at once, without a database round trip through NOTIFY.
 */
export const policyActivations = new EventEmitter<{ activated: [version: number] }>();
policyActivations.setMaxListeners(64);

/** The PostgreSQL channel every activation is announced on (by a trigger of `access.policy_activation`). */
export const POLICY_CHANNEL = 'praesidium_policy';
