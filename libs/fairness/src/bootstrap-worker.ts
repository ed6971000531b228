/**
 * A worker thread of the count bootstrap: draws the blocks of resamples it is given and posts each
 * block's statistics back (see bootstrapIntervals).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BootstrapWorkerData, BootstrapWorkerMessage } from './count-bootstrap.js';
import { EvaluationTable } from './evaluation-table.js';
import { ResampleEngine } from './resample-engine.js';
import { StatisticsLayout } from './statistics-layout.js';

const data = workerData as BootstrapWorkerData;
const layout = new StatisticsLayout(data.groupings, data.metrics, data.referenceGroups);
const engine = new ResampleEngine(
  EvaluationTable.fromJSON(data.table),
  data.groupings,
  layout,
  data.shifts,
  data.options,
);
for (const block of data.blocks) {
  const message: BootstrapWorkerMessage = { block, values: engine.run(block) };
  parentPort?.postMessage(message, [message.values.buffer as ArrayBuffer]);
}
