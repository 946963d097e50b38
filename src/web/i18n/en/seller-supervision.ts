/** Words of the seller/supervision pages (keys start with 'seller.supervision.'). */
export const sellerSupervision = {
  'seller.supervision.when': '{time} UTC',
  'seller.supervision.never': 'Never',
  'seller.supervision.firstPage': 'First page',
  'seller.supervision.apiError': '{message} ({code})',

  // Generators: list
  'seller.supervision.generators.title': 'License generators',
  'seller.supervision.generators.intro':
    'A generator makes the licenses of your products. A built-in one is a template OneClick signs with your signing key; a remote one is your own endpoint, called the KooGallery way, and it becomes active only after it passes the conformance check.',
  'seller.supervision.generators.register': 'Register a generator',
  'seller.supervision.generators.caption': 'Your license generators',
  'seller.supervision.generators.none':
    'You have no generators yet. Register one to license your products.',
  'seller.supervision.generators.col.kind': 'Kind',
  'seller.supervision.generators.col.endpoint': 'Endpoint',
  'seller.supervision.generators.col.lastCheck': 'Last check',
  'seller.supervision.kind.built-in': 'Built-in',
  'seller.supervision.kind.remote': 'Remote',
  'seller.supervision.status.pending': 'Pending',
  'seller.supervision.status.active': 'Active',
  'seller.supervision.status.failing': 'Failing',
  'seller.supervision.status.disabled': 'Disabled',
  'seller.supervision.check.passed': 'Passed',
  'seller.supervision.check.failed': 'Failed',
  'seller.supervision.check.notChecked': 'Not checked',

  // Generators: register
  'seller.supervision.register.title': 'Register a generator',
  'seller.supervision.register.back': 'Back to the generators',
  'seller.supervision.register.kind': 'Kind of generator',
  'seller.supervision.register.kind.builtIn.hint':
    'OneClick makes and signs the licenses itself with your signing key. Active at once.',
  'seller.supervision.register.kind.remote.hint':
    'Your endpoint makes the licenses (getLicenseAsync). OneClick checks it before it becomes active.',
  'seller.supervision.register.name': 'Name',
  'seller.supervision.register.name.hint': 'How you recognise it, for example the product line.',
  'seller.supervision.register.remote': 'Remote endpoint (remote generators only)',
  'seller.supervision.register.url': 'Endpoint URL',
  'seller.supervision.register.url.hint':
    'An https address on the public internet that answers KooGallery’s license calls.',
  'seller.supervision.register.accessKey': 'Access key',
  'seller.supervision.register.accessKey.hint':
    '16 to 128 characters. Both sides sign with it; OneClick keeps it sealed and never shows it again.',
  'seller.supervision.register.template': 'License template',
  'seller.supervision.register.validityDays': 'Validity in days',
  'seller.supervision.register.validityDays.hint':
    'How long a License 1.0 license lasts when the order has no expiry. Leave empty for the default.',
  'seller.supervision.register.features': 'Features',
  'seller.supervision.register.features.hint':
    'One per line as name=value, for example edition=pro or seats=10. Leave empty for none.',
  'seller.supervision.register.slow':
    'Registering a remote generator runs the conformance check now: it takes a few seconds.',
  'seller.supervision.register.submit': 'Register',
  'seller.supervision.register.required': 'Enter a name.',
  'seller.supervision.register.urlRequired': 'Enter the endpoint URL of the remote generator.',
  'seller.supervision.register.accessKeyRequired':
    'Enter the access key of the remote generator (16 to 128 characters).',
  'seller.supervision.register.validityInvalid': 'Enter a whole number of days from 1 to 36500.',
  'seller.supervision.register.featureInvalid':
    'Line {line} is not name=value (a name of at most 64 characters).',
  'seller.supervision.register.urlNotHttps':
    'The endpoint must be an https address (plain http is refused).',
  'seller.supervision.register.urlInvalid': 'This is not an address OneClick can call.',
  'seller.supervision.register.urlForbidden':
    'This address is private or local: OneClick only calls public endpoints.',

  // Generators: one generator
  'seller.supervision.generator.registered': 'The generator is registered.',
  'seller.supervision.generator.checked': 'The check ran again.',
  'seller.supervision.generator.bound': '{product} now takes its licenses from this generator.',
  'seller.supervision.generator.facts': 'About this generator',
  'seller.supervision.generator.endpoint': 'Endpoint',
  'seller.supervision.generator.validityDays': 'Validity',
  'seller.supervision.generator.validityDefault': 'Default',
  'seller.supervision.generator.days': '{days} days',
  'seller.supervision.generator.features': 'Features',
  'seller.supervision.generator.lastChecked': 'Last checked',
  'seller.supervision.conformance.title': 'Conformance check',
  'seller.supervision.conformance.intro':
    'OneClick calls the endpoint three times with test orders (testFlag=1). All three checks must pass before the generator licenses real orders.',
  'seller.supervision.conformance.caption': 'The latest run, check by check',
  'seller.supervision.conformance.passed': 'The generator is active.',
  'seller.supervision.conformance.failed':
    'Fix the endpoint and run the check again: the generator licenses no orders until it passes.',
  'seller.supervision.conformance.none': 'The check has not run yet.',
  'seller.supervision.conformance.col.check': 'Check',
  'seller.supervision.conformance.col.result': 'Result',
  'seller.supervision.conformance.col.detail': 'What OneClick saw',
  'seller.supervision.conformance.slowest': 'Slowest call: {ms} ms, checked {when}.',
  'seller.supervision.conformance.check.issues-license': 'Issues a signed license within 5 seconds',
  'seller.supervision.conformance.check.idempotent-per-event':
    'The same event gets the same license',
  'seller.supervision.conformance.check.refuses-bad-signature': 'Refuses a wrongly signed request',
  'seller.supervision.conformance.runNow': 'Run the check now',
  'seller.supervision.conformance.builtIn':
    'A built-in generator needs no check: OneClick makes and signs its licenses itself.',
  'seller.supervision.health.title': 'Health over time',
  'seller.supervision.health.intro':
    'Every conformance run and every twice-daily probe, newest first: the line is the slowest call of each run, the dots its result.',
  'seller.supervision.health.caption': 'Checks and probes',
  'seller.supervision.health.none': 'No checks yet.',
  'seller.supervision.health.col.when': 'When',
  'seller.supervision.health.col.slowest': 'Slowest call',
  'seller.supervision.health.col.failedChecks': 'Failed checks',
  'seller.supervision.health.ms': '{ms} ms',
  'seller.supervision.health.chart':
    '{count} checks, {passed} passed; the slowest call took {max} ms.',
  'seller.supervision.bind.title': 'Products',
  'seller.supervision.bind.intro':
    'Choose a product to take its licenses from this generator (it replaces the generator the product used before), with the product’s license rules.',
  'seller.supervision.bind.product': 'Product',
  'seller.supervision.bind.noProducts': 'You have no products yet.',
  'seller.supervision.bind.productsLink': 'Add a product',
  'seller.supervision.bind.rules': 'License rules (leave empty for the defaults)',
  'seller.supervision.bind.graceDays': 'Grace days after expiry',
  'seller.supervision.bind.graceDays.hint': '0 to 15 days before an expired license is frozen.',
  'seller.supervision.bind.retentionDays': 'Retention days',
  'seller.supervision.bind.retentionDays.hint':
    '0 to 365 days a frozen license is kept before it is released.',
  'seller.supervision.bind.rebindLimit': 'Machine changes allowed',
  'seller.supervision.bind.rebindLimit.hint':
    'How many times a License 1.0 license may move to another machine (0 to 100).',
  'seller.supervision.bind.rebindWindowDays': 'Machine change window in days',
  'seller.supervision.bind.rebindWindowDays.hint':
    'The period (1 to 365 days) the machine changes are counted over.',
  'seller.supervision.bind.submit': 'Use this generator',
  'seller.supervision.bind.numberInvalid': 'Enter a whole number from {min} to {max}.',
  'seller.supervision.bind.productRequired': 'Choose a product.',

  // Orders: list
  'seller.supervision.orders.title': 'Service supervision',
  'seller.supervision.orders.intro':
    'Your orders and where each one stands in KooGallery’s service supervision, newest first.',
  'seller.supervision.orders.caption': 'Your orders',
  'seller.supervision.orders.none': 'No orders yet.',
  'seller.supervision.orders.col.order': 'Order',
  'seller.supervision.orders.col.product': 'Product',
  'seller.supervision.orders.col.model': 'License model',
  'seller.supervision.orders.col.supervision': 'Supervision',
  'seller.supervision.orders.col.status': 'Order status',
  'seller.supervision.orders.pages': 'Pages',
  'seller.supervision.test': 'Test order',

  // Orders: one order
  'seller.supervision.order.title': 'Order {orderId}',
  'seller.supervision.order.back': 'Back to the orders',
  'seller.supervision.order.facts': 'About this order',
  'seller.supervision.order.orderLine': 'Order line',
  'seller.supervision.order.product': 'Product',
  'seller.supervision.order.model': 'License model',
  'seller.supervision.order.state': 'Supervision state',
  'seller.supervision.order.status': 'Order status',
  'seller.supervision.order.expires': 'Expires',
  'seller.supervision.order.serviceStart': 'Service start time',
  'seller.supervision.order.acceptanceDue': 'The buyer’s acceptance is due by',
  'seller.supervision.order.confirmed': 'Completion confirmed.',
  'seller.supervision.order.redelivered': 'The order is back to “Seller delivering”.',
  'seller.supervision.order.revoked': 'The license is revoked.',
  'seller.supervision.order.nextStep.confirm':
    'Next: confirm completion, with the actual activation time and the acceptance report.',
  'seller.supervision.order.nextStep.wait':
    'Now: {state}. There is nothing for you to confirm at this step.',

  'seller.supervision.confirm.title': 'Confirm completion',
  'seller.supervision.confirm.intro':
    'Tell KooGallery the service is delivered. License 2.0 orders then complete; License 1.0 orders wait for the buyer’s acceptance.',
  'seller.supervision.confirm.description': 'Description of the delivery',
  'seller.supervision.confirm.description.hint':
    'What was installed and how the buyer can check it (at most 2000 characters).',
  'seller.supervision.confirm.activationTime': 'Actual activation time',
  'seller.supervision.confirm.activationTime.hint':
    'In your browser’s time zone (UTC without JavaScript). Not in the future, not before the order. Leave empty if it is not known.',
  'seller.supervision.confirm.report': 'Acceptance report',
  'seller.supervision.confirm.report.hint':
    'PDF, PNG or JPEG, at most 20 MB. Leave empty to hand over OneClick’s signed delivery evidence instead.',
  'seller.supervision.confirm.report.noScript':
    'The acceptance report will be OneClick’s signed delivery evidence (uploading a file needs JavaScript).',
  'seller.supervision.confirm.uploading': 'Uploading the report…',
  'seller.supervision.confirm.uploaded': 'Uploaded {name} (sha256 {sha256}).',
  'seller.supervision.confirm.uploadProgress': 'Upload progress',
  'seller.supervision.confirm.reportType': 'The report must be a PDF, PNG or JPEG file.',
  'seller.supervision.confirm.reportTooLarge': 'The report is larger than 20 MB.',
  'seller.supervision.confirm.reportEmpty': 'The report file is empty.',
  'seller.supervision.confirm.reportFailed': 'The report could not be uploaded: {message}',
  'seller.supervision.confirm.reportNetwork': 'the connection failed. Try again.',
  'seller.supervision.confirm.submit': 'Confirm completion',
  'seller.supervision.confirm.descriptionRequired': 'Describe the delivery.',
  'seller.supervision.confirm.activationInvalid': 'Enter a date and time.',
  'seller.supervision.confirm.activationFuture': 'The activation time is in the future.',
  'seller.supervision.confirm.activationBeforeOrder': 'The activation time is before the order.',
  'seller.supervision.confirm.reportRequired':
    'Upload the acceptance report: this order has no delivered one-click deployment whose evidence could stand in.',
  'seller.supervision.confirm.reportNotFound':
    'The uploaded report was not found for this order. Choose the file again.',
  'seller.supervision.confirm.wrongState':
    'The order cannot be confirmed now: its supervision state changed. Reload the page.',
  'seller.supervision.confirm.unavailable':
    'OneClick cannot confirm right now (a service it needs is down). Try again in a moment.',
  'seller.supervision.confirmation.title': 'Your confirmation',
  'seller.supervision.confirmation.description': 'Description',
  'seller.supervision.confirmation.activationTime': 'Actual activation time',
  'seller.supervision.confirmation.activationUnknown':
    'Not stated (the service starts at acceptance)',
  'seller.supervision.confirmation.report': 'Acceptance report',
  'seller.supervision.confirmation.reportUpload': '{name} ({size} bytes)',
  'seller.supervision.confirmation.reportEvidence': 'OneClick’s delivery evidence of {deployment}',
  'seller.supervision.confirmation.confirmedAt': 'Confirmed',

  'seller.supervision.redeliver.title': 'Rejected by the buyer',
  'seller.supervision.redeliver.reason': 'The buyer’s reason',
  'seller.supervision.redeliver.intro':
    'Fix what the buyer found, then deliver again: the order goes back to “Seller delivering” and you confirm completion once more.',
  'seller.supervision.redeliver.submit': 'Deliver again',

  'seller.supervision.evidence.title': 'Delivery evidence',
  'seller.supervision.evidence.intro':
    'What OneClick recorded of the delivered deployment, signed with your license key: hand it over as the delivery report, or let the buyer check it.',
  'seller.supervision.evidence.none': 'No deployment of this order has delivered yet.',
  'seller.supervision.evidence.deployment': 'Deployment',
  'seller.supervision.evidence.finished': 'Delivered',
  'seller.supervision.evidence.server': 'Server',
  'seller.supervision.evidence.hostKey': 'SSH host key',
  'seller.supervision.evidence.package': 'Package',
  'seller.supervision.evidence.packageValue': '{name}, sha256 {sha256}',
  'seller.supervision.evidence.license': 'License',
  'seller.supervision.evidence.steps': 'Deployment steps',
  'seller.supervision.evidence.col.step': 'Step',
  'seller.supervision.evidence.col.attempts': 'Attempts',
  'seller.supervision.evidence.col.started': 'Started',
  'seller.supervision.evidence.col.ended': 'Ended',
  'seller.supervision.evidence.html': 'Download the evidence page (HTML)',
  'seller.supervision.evidence.json': 'Download the signed evidence (JSON with JWS)',

  'seller.supervision.stepStatus.running': 'Running',
  'seller.supervision.stepStatus.succeeded': 'Succeeded',
  'seller.supervision.stepStatus.failed': 'Failed',
  'seller.supervision.stepStatus.skipped': 'Skipped',
  'seller.supervision.licenseStatus.issued': 'Issued',
  'seller.supervision.licenseStatus.claimed': 'Claimed',
  'seller.supervision.licenseStatus.ALIVE': 'Active',
  'seller.supervision.licenseStatus.FROZEN': 'Frozen',
  'seller.supervision.licenseStatus.RELEASED': 'Released',
  'seller.supervision.licenseStatus.EXPIRED': 'Expired',
  'seller.supervision.license.title': 'License',
  'seller.supervision.license.none': 'No license has been issued for this order yet.',
  'seller.supervision.license.id': 'License',
  'seller.supervision.license.status': 'Status',
  'seller.supervision.license.expires': 'Expires',
  'seller.supervision.license.fingerprint': 'Machine fingerprint',
  'seller.supervision.license.kid': 'Signing key',
  'seller.supervision.license.revokedAt': 'Revoked',
  'seller.supervision.license.revokeReason': 'Reason',
  'seller.supervision.license.revokedBadge': 'Revoked',
  'seller.supervision.revoke.title': 'Revoke the license',
  'seller.supervision.revoke.intro':
    'The license stops working: OneClick lists it as revoked and the license checks fail. This cannot be undone.',
  'seller.supervision.revoke.reason': 'Reason for revoking',
  'seller.supervision.revoke.reason.hint': 'Kept with the license (at most 500 characters).',
  'seller.supervision.revoke.reasonRequired': 'Say why the license is revoked.',
  'seller.supervision.revoke.confirm':
    'Revoke this license? The buyer’s software stops accepting it and this cannot be undone.',
  'seller.supervision.revoke.submit': 'Revoke the license',

  'seller.supervision.history.title': 'History',
  'seller.supervision.history.caption': 'Every supervision step, oldest first',
  'seller.supervision.history.none': 'No steps yet.',
  'seller.supervision.history.col.when': 'When',
  'seller.supervision.history.col.from': 'From',
  'seller.supervision.history.col.to': 'To',
  'seller.supervision.history.col.by': 'By',
  'seller.supervision.history.col.note': 'Note',
  'seller.supervision.history.col.reported': 'Reported to KooGallery',
  'seller.supervision.history.start': 'Paid',
  'seller.supervision.history.changed': 'The order moved on: {state}.',
  'seller.supervision.history.reload': 'Reload the page to see what to do next.',
  'seller.supervision.history.you': 'You',
  'seller.supervision.history.oneclick': 'OneClick',
  'seller.supervision.history.reportedAt': 'Yes, {when}',
  'seller.supervision.history.reportPending': 'Not yet ({attempts} attempts)',
  'seller.supervision.history.reportAbandoned': 'Gave up: {error}',

  // Report upload (answers to the page's script)
  'seller.supervision.upload.badRequest': 'Say which order and file the report is for.',
} satisfies Record<string, string>;
