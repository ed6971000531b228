import 'reflect-metadata';
import { ConfigError, loadConfig } from '@praesidium/config';
import { startTelemetry, stopTelemetry } from '@praesidium/telemetry';
import { describeCliError } from './cli-error.js';

// Telemetry starts before Nest or any instrumented module is loaded: the rest is imported after it.
let exitCode = 1;
try {
  const config = loadConfig(process.env);
  startTelemetry({ serviceName: 'praesidium' });
  const { runCommand } = await import('./commands.js');
  exitCode = await runCommand(config, process.argv.slice(2));
} catch (error) {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(describeCliError(error));
} finally {
  await stopTelemetry();
}
process.exit(exitCode);
