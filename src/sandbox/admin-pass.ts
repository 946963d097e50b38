import { adminPassProblem as rule } from '../domain/ecs-admin-password.js';

/**
 * The emulator's check of `adminPass`: ECS's rule (`src/domain/ecs-admin-password.ts`, shared with
 * Start Deployment) for the image's own user. The emulator refuses a violation with 400 Ecs.0011.
 */

/** Returns why a password breaks the ECS rules, or undefined when it is acceptable. */
export function adminPassProblem(
  password: string,
  os: 'linux' | 'windows' = 'linux',
): string | undefined {
  return rule(password, { os });
}
