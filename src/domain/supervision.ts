import { AppError } from '../errors.js';

/** Which KooGallery license model an order follows. */
export type LicenseModel = 'license2' | 'license1';

/** Service supervision states, as KooGallery's buyer and seller consoles name their nodes. */
export const supervisionFlows = {
  license2: {
    initial: 'awaiting_delivery',
    transitions: {
      awaiting_delivery: ['code_claimed'],
      code_claimed: ['activated'],
      activated: ['proof_uploaded'],
      proof_uploaded: ['completed'],
      completed: [],
    },
  },
  license1: {
    initial: 'awaiting_hardware_id',
    transitions: {
      awaiting_hardware_id: ['awaiting_delivery'],
      awaiting_delivery: ['seller_confirmed'],
      seller_confirmed: ['accepted', 'rejected'],
      rejected: ['awaiting_delivery'],
      accepted: ['completed'],
      completed: [],
    },
  },
} as const satisfies Record<
  LicenseModel,
  { initial: string; transitions: Record<string, readonly string[]> }
>;

export type SupervisionState =
  | keyof (typeof supervisionFlows)['license2']['transitions']
  | keyof (typeof supervisionFlows)['license1']['transitions'];

/** The state a freshly paid order's supervision starts in. */
export function initialSupervisionState(model: LicenseModel): SupervisionState {
  return supervisionFlows[model].initial;
}

/** Throws INVALID_STATE_TRANSITION unless `from → to` is a step of the model's flow. */
export function assertSupervisionTransition(model: LicenseModel, from: string, to: string): void {
  const transitions: Record<string, readonly string[]> = supervisionFlows[model].transitions;
  if (!(transitions[from] ?? []).includes(to)) {
    throw new AppError(
      'INVALID_STATE_TRANSITION',
      `supervision cannot go from ${from} to ${to} for ${model}`,
      { context: { model, from, to } },
    );
  }
}
