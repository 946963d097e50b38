// Every workflow the worker registers. Workflows import no Node built-ins (see eslint.config.js).
export { provisionWorkflow, deprovisionWorkflow } from './provision.js';
