import { DEFAULT_TEMPLATE } from './default-template.js';
import { createStackWorld } from './stack-world.js';
import type { StackFactory } from './world.js';

/** Builds the CloudFormation + ECS half of the world from the scenario, over the same file systems. */
export const createStackPart: StackFactory = ({
  scenario,
  clock,
  faults,
  fileSystems,
  logs,
  dataFor,
  taskWorkDir,
}) =>
  createStackWorld({
    clock,
    faults,
    region: scenario.region,
    accountId: scenario.accountId,
    stackName: scenario.stackName,
    templateBody: scenario.templateBody ?? DEFAULT_TEMPLATE,
    fileSystems: Object.fromEntries(
      fileSystems.map((fs) => [fs.logicalId, { id: fs.id, rootDir: fs.rootDir }]),
    ),
    durations: {
      changeSetMs: scenario.durations.changeSetMs,
      stackStepMs: scenario.durations.stackStepMs,
      taskStartMs: scenario.durations.taskStartMs,
      taskHealthyMs: scenario.durations.taskHealthyMs,
      taskStopMs: scenario.durations.taskStopMs,
    },
    oneOff: { logs, dataFor, workDir: taskWorkDir, runMs: scenario.durations.checkTaskMs },
    ...(scenario.taskDefinitionHistory === undefined
      ? {}
      : { taskDefinitionHistory: scenario.taskDefinitionHistory }),
  });
