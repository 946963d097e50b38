// Every workflow the worker registers. Workflows import no Node built-ins (see eslint.config.js).
export { provisionWorkflow, deprovisionWorkflow } from './provision.js';
export { licenseLifecycle } from './license-lifecycle.js';
export { generatorProbe } from './generator-probe.js';
export { deployLicense } from './deploy-license.js';
export { continuedAccess } from './continued-access.js';
export { acceptanceTimer, supervisionReports } from './supervision.js';
export { decommission } from './decommission.js';
