// `npm run sim`: starts the AWS simulator and prints what a shell needs to point the bot at it.
import { CliUsageError, exportLines, parseCliArgs, USAGE } from './cli-args.js';
import { ScenarioError } from './scenario.js';
import { startSimulator } from './server.js';

async function main(): Promise<number> {
  let opts: ReturnType<typeof parseCliArgs>;
  try {
    opts = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  try {
    sim = await startSimulator({
      port: opts.port,
      log: opts.log,
      ...(opts.scenario !== undefined ? { scenario: opts.scenario } : {}),
      ...(opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {}),
      ...(opts.speed !== undefined ? { speed: opts.speed } : {}),
    });
  } catch (error) {
    if (error instanceof ScenarioError) {
      process.stderr.write(`invalid scenario: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const out = [
    `# AWS simulator listening on ${sim.endpoint} (speed ${sim.state().speed}, state in ${sim.stateDir})`,
    `# world: GET ${sim.endpoint}/_sim/state   faults: POST ${sim.endpoint}/_sim/faults`,
    ...exportLines(sim.env()),
  ];
  process.stdout.write(`${out.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sim.close();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`simulator failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
