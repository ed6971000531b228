// A process that appends to the audit trail under load, for the crash-safety test
// (test/integration/audit-crash.test.ts). Plain ESM JavaScript over the compiled libraries in dist/
// (built by `npm test`'s pretest), so `node` runs it as it is.
//
//   node test/support/audit-appender.mjs <database-url> [loops=32] [total=0]
//
// Runs `loops` concurrent append loops on one AuditTrail (one stream: this process). After each
// append that resolved, that is each record the trail reports committed, writes one line to stdout:
//
//   ack <streamId> <seq> <correlationId>
//
// With total = 0 it appends until it is killed; otherwise it stops after `total` acknowledged appends,
// closes its connections and exits 0. A failed append is written to stderr and exits 1.
import 'reflect-metadata';
import { AuditEventEntity, AuditStreamEntity, AuditTrail } from '../../dist/libs/audit/src/index.js';
import { dataSourceOptions, openDataSource } from '../../dist/libs/database/src/index.js';

// How the test tells this process's PostgreSQL sessions from its own (pg_stat_activity).
const APPLICATION_NAME = 'praesidium-audit-appender';

const [url = process.env.DATABASE_URL, loopsArg = '32', totalArg = '0'] = process.argv.slice(2);
if (!url) {
  process.stderr.write('usage: audit-appender.mjs <database-url> [loops] [total]\n');
  process.exit(2);
}
const loops = Number(loopsArg);
const total = Number(totalArg);

const dataSource = await openDataSource({
  ...dataSourceOptions({ kind: 'server', url }, [AuditEventEntity, AuditStreamEntity], 4),
  applicationName: APPLICATION_NAME,
});
const trail = new AuditTrail(
  dataSource.getRepository(AuditEventEntity),
  dataSource.getRepository(AuditStreamEntity),
  'crash',
);

let started = 0;
async function appendLoop(loop) {
  for (let n = 0; total === 0 || started < total; n += 1) {
    started += 1;
    const correlationId = `${process.pid}-${loop}-${n}`;
    const record = await trail.append({
      action: 'crash.append',
      outcome: 'success',
      agent: { subject: 'audit-appender' },
      correlationId,
    });
    process.stdout.write(`ack ${record.streamId} ${record.seq} ${correlationId}\n`);
  }
}

try {
  await Promise.all(Array.from({ length: loops }, (_, loop) => appendLoop(loop)));
  await dataSource.destroy();
} catch (error) {
  process.stderr.write(`append failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
}
