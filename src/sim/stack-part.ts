import type { StackFactory } from './world.js';

/**
 * Builds the CloudFormation + ECS half of the world from the stack module. Until that module is
 * wired in, the simulator answers CloudFormation and ECS calls with UnknownOperationException.
 */
export const createStackPart: StackFactory = () => undefined;
