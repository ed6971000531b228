import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { AuditCheckpoints1764100000000 } from './1764100000000-audit-checkpoints.js';
import { AuditPartitions1764200000000 } from './1764200000000-audit-partitions.js';
import { AccessPolicies1764400000000 } from './1764400000000-access-policies.js';
import { ModelRegistry1764600000000 } from './1764600000000-model-registry.js';

/** Every migration, in order. Listed explicitly: ESM builds cannot glob-load classes. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  AuditCheckpoints1764100000000,
  AuditPartitions1764200000000,
  AccessPolicies1764400000000,
  ModelRegistry1764600000000,
];
