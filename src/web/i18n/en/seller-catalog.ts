/** Words of the seller/catalog pages (keys start with 'seller.catalog.'). */
export const sellerCatalog = {
  // Products
  'seller.catalog.products.title': 'Products',
  'seller.catalog.products.register': 'Register a product',
  'seller.catalog.products.registerSubmit': 'Register product',
  'seller.catalog.products.back': 'All products',
  'seller.catalog.products.empty':
    'No products yet. Register one for each KooGallery product OneClick deploys.',
  'seller.catalog.product.registered': '{name} is registered. Upload its package below.',
  'seller.catalog.product.identity': 'Product',
  'seller.catalog.product.installation': 'Installation',
  'seller.catalog.product.notSet': 'Not set',
  'seller.catalog.product.noContinuedAccess': 'None: OneClick removes its SSH key at delivery',
  'seller.catalog.product.days': '{days} days after delivery',
  'seller.catalog.product.noVariables': 'No variables.',
  'seller.catalog.product.variableName': 'Name',
  'seller.catalog.product.variableValue': 'Value',
  'seller.catalog.product.name': 'Product name',
  'seller.catalog.product.marketplaceProductId': 'KooGallery product ID',
  'seller.catalog.product.skuCode': 'SKU code',
  'seller.catalog.product.licenseModel': 'License model',
  'seller.catalog.product.installDir': 'Install directory',
  'seller.catalog.product.installCommand': 'Installer command',
  'seller.catalog.product.verifyCommand': 'Verify command',
  'seller.catalog.product.postLicenseCommand': 'After-license command',
  'seller.catalog.product.licensePath': 'License path',
  'seller.catalog.product.ports': 'Ports',
  'seller.catalog.product.variables': 'Variables',
  'seller.catalog.product.continuedAccessDays': 'Continued SSH access',
  'seller.catalog.product.hint.name': 'As buyers see it, up to 200 characters.',
  'seller.catalog.product.hint.marketplaceProductId':
    'The product’s ID in KooGallery: letters, digits, “.”, “_”, “:” or “-”, up to 64.',
  'seller.catalog.product.hint.skuCode': 'Optional: the specification’s SKU code in KooGallery.',
  'seller.catalog.product.hint.licenseModel':
    'License 2.0 delivers an authorization code; License 1.0 a license file bound to the server’s fingerprint.',
  'seller.catalog.product.hint.installDir':
    'Absolute path on the buyer’s server where the package is unpacked (INSTALL_DIR).',
  'seller.catalog.product.hint.installCommand':
    'Shell command run in the install directory to install the package.',
  'seller.catalog.product.hint.verifyCommand':
    'Shell command that succeeds (exit 0) once the product runs.',
  'seller.catalog.product.hint.postLicenseCommand':
    'Optional: run once the license is in place, e.g. to restart the service.',
  'seller.catalog.product.hint.licensePath':
    'Absolute path where OneClick writes the license (LICENSE_FILE).',
  'seller.catalog.product.hint.ports':
    'TCP ports the product needs open, separated by commas, e.g. 22, 8443.',
  'seller.catalog.product.hint.variables':
    'One NAME=value per line, names in UPPER_SNAKE case; the installer gets them in its environment.',
  'seller.catalog.product.hint.continuedAccessDays':
    'Optional: days (1-365) you keep SSH access after delivery for support. Empty: none.',
  'seller.catalog.product.error.summary':
    'The product was not registered. Correct the fields marked below ({count}).',
  'seller.catalog.product.error.other': 'OneClick said: {message}',
  'seller.catalog.product.error.duplicate':
    'A product with this KooGallery product ID is already registered.',
  'seller.catalog.product.error.variablesFormat':
    'Write each variable as NAME=value on a line of its own.',
  'seller.catalog.product.error.name': 'Enter the product name (1-200 characters).',
  'seller.catalog.product.error.marketplaceProductId':
    'Enter the KooGallery product ID: 1-64 letters, digits, “.”, “_”, “:” or “-”, no spaces.',
  'seller.catalog.product.error.skuCode': 'The SKU code is at most 64 characters.',
  'seller.catalog.product.error.licenseModel': 'Choose License 2.0 or License 1.0.',
  'seller.catalog.product.error.installDir':
    'Enter an absolute path (starting with /) of letters, digits, “.”, “_”, “-” and “/”.',
  'seller.catalog.product.error.installCommand':
    'The installer command is at most 4,096 characters.',
  'seller.catalog.product.error.verifyCommand': 'The verify command is at most 4,096 characters.',
  'seller.catalog.product.error.postLicenseCommand':
    'The after-license command is at most 4,096 characters.',
  'seller.catalog.product.error.licensePath':
    'Enter an absolute path (starting with /) of letters, digits, “.”, “_”, “-” and “/”.',
  'seller.catalog.product.error.ports':
    'Ports are whole numbers from 1 to 65535, separated by commas (at most 64).',
  'seller.catalog.product.error.variables':
    'Variable names are UPPER_SNAKE case (A-Z, 0-9, _; not starting with a digit), values at most 4,096 characters.',
  'seller.catalog.product.error.continuedAccessDays': 'Enter a whole number of days from 1 to 365.',

  // Packages
  'seller.catalog.packages.title': 'Packages',
  'seller.catalog.packages.unlisted':
    'Earlier uploads are not listed here yet; each upload shows its SHA-256 below.',
  'seller.catalog.packages.empty':
    'No package yet. A deployment pushes the newest package of the product.',
  'seller.catalog.packages.file': 'File',
  'seller.catalog.packages.size': 'Size',
  'seller.catalog.packages.sha256': 'SHA-256',
  'seller.catalog.packages.uploaded': 'Uploaded',
  'seller.catalog.packages.pages': 'Package pages',
  'seller.catalog.packages.newest': 'Newest packages',
  'seller.catalog.upload.title': 'Upload a package',
  'seller.catalog.upload.file': 'Package file',
  'seller.catalog.upload.hint':
    'The file streams to OneClick, which computes its SHA-256 on the way. File names use letters, digits, “.”, “_”, “+” and “-”.',
  'seller.catalog.upload.submit': 'Upload',
  'seller.catalog.upload.bar': 'Upload progress',
  'seller.catalog.upload.progress': '{loaded} of {total} sent ({percent}%)',
  'seller.catalog.upload.finishing': 'All sent; OneClick is storing the package…',
  'seller.catalog.upload.done': '{file} is uploaded.',
  'seller.catalog.upload.network':
    'The upload was interrupted before OneClick answered. Check the connection and try again.',
  'seller.catalog.upload.copySha': 'Copy SHA-256',
  'seller.catalog.upload.backToProduct': 'Back to the product',
  'seller.catalog.upload.error.tooLargeMax':
    'The package is too large: OneClick accepts packages up to {max}.',
  'seller.catalog.upload.error.tooLarge': 'The package is larger than OneClick accepts.',
  'seller.catalog.upload.error.empty': 'The file is empty. Choose the package file again.',
  'seller.catalog.upload.error.fileName':
    'Rename the file: use letters, digits, “.”, “_”, “+” and “-” only (no spaces), not starting with a dot.',
  'seller.catalog.upload.error.checksum':
    'The file arrived different from what was sent (SHA-256 mismatch). Upload it again.',
  'seller.catalog.upload.error.broken': 'The upload broke off before the end. Upload it again.',
  'seller.catalog.upload.error.product': 'This product is not yours or no longer exists.',
  'seller.catalog.upload.error.disabled': 'This OneClick has no package store configured.',
  'seller.catalog.upload.error.other': 'OneClick could not store the package ({code}).',
  'seller.catalog.upload.noScript.title': 'Upload needs JavaScript',
  'seller.catalog.upload.noScript.body':
    'The console sends packages straight from your browser with JavaScript, which is off here. Nothing was uploaded.',
  'seller.catalog.upload.noScript.curl':
    'Turn JavaScript on and try again, or upload with your API key from a terminal:',

  // Signing keys
  'seller.catalog.keys.title': 'Signing keys',
  'seller.catalog.keys.intro':
    'Your licenses are signed with your active key. Creating or importing a key makes it the active one; the previous key keeps verifying (retiring) until you retire it.',
  'seller.catalog.keys.jwks': 'Verifiers find every published key in the JWKS:',
  'seller.catalog.keys.empty':
    'No key yet. OneClick creates an Ed25519 key at your first license, or create one now.',
  'seller.catalog.keys.yours': 'Your keys',
  'seller.catalog.keys.kid': 'Key ID',
  'seller.catalog.keys.alg': 'Algorithm',
  'seller.catalog.keys.alg.EdDSA': 'Ed25519 (EdDSA)',
  'seller.catalog.keys.alg.RS256': 'RSA, PKCS #1 v1.5 (RS256)',
  'seller.catalog.keys.alg.PS256': 'RSA-PSS (PS256)',
  'seller.catalog.keys.alg.fromKey': 'From the key',
  'seller.catalog.keys.status.active': 'Active',
  'seller.catalog.keys.status.retiring': 'Retiring: still verifies',
  'seller.catalog.keys.status.retired': 'Retired',
  'seller.catalog.keys.retiredAt': 'on {at}',
  'seller.catalog.keys.unpublished': 'No longer published',
  'seller.catalog.keys.publicKey': 'Public key (PEM)',
  'seller.catalog.keys.certificate': 'Certificate',
  'seller.catalog.keys.retire': 'Retire',
  'seller.catalog.keys.retire.confirm': 'Retire key {kid}? Licenses signed with it stop verifying.',
  'seller.catalog.keys.create.title': 'Create a key (rotate)',
  'seller.catalog.keys.create.intro':
    'OneClick generates the key pair and keeps the private key sealed; it never leaves OneClick.',
  'seller.catalog.keys.create.submit': 'Create key',
  'seller.catalog.keys.import.title': 'Import a key',
  'seller.catalog.keys.import.submit': 'Import key',
  'seller.catalog.keys.pem': 'Private key (PEM)',
  'seller.catalog.keys.pem.hint':
    'A PEM private key (PKCS #8 or traditional): Ed25519, or RSA of 2048 to 4096 bits.',
  'seller.catalog.keys.passphrase': 'Passphrase',
  'seller.catalog.keys.passphrase.hint': 'Only when the PEM is encrypted.',
  'seller.catalog.keys.done.created': 'Key {kid} is created and now active.',
  'seller.catalog.keys.done.imported': 'Key {kid} is imported and now active.',
  'seller.catalog.keys.done.retired': 'Key {kid} is retired.',
  'seller.catalog.keys.error.active':
    'The active key cannot be retired. Create or import a new key first, then retire this one.',
  'seller.catalog.keys.error.invalid':
    'This is not a private key OneClick can read (or the passphrase is wrong).',
  'seller.catalog.keys.error.type': 'Only Ed25519 and RSA keys can sign licenses.',
  'seller.catalog.keys.error.size': 'RSA keys must have 2048 to 4096 bits.',
  'seller.catalog.keys.error.algorithm': 'The algorithm chosen does not fit this key.',
  'seller.catalog.keys.error.registered': 'This key is already registered.',
  'seller.catalog.keys.error.pem': 'Paste the private key in PEM form (at most 20,000 characters).',

  // Open-API credentials
  'seller.catalog.credentials.title': 'API credentials',
  'seller.catalog.credentials.intro':
    'Your software calls the license open API (activation, heartbeat) signed with an access key (AK) and its secret key (SK), as KooGallery’s open API is.',
  'seller.catalog.credentials.empty': 'No access keys yet.',
  'seller.catalog.credentials.ak': 'Access key (AK)',
  'seller.catalog.credentials.sk': 'Secret key (SK)',
  'seller.catalog.credentials.active': 'Active',
  'seller.catalog.credentials.revoked': 'Deleted',
  'seller.catalog.credentials.revokedAt': 'on {at}',
  'seller.catalog.credentials.delete': 'Delete',
  'seller.catalog.credentials.delete.confirm':
    'Delete access key {ak}? Calls signed with it stop working.',
  'seller.catalog.credentials.deleted': 'Access key {ak} is deleted.',
  'seller.catalog.credentials.create.title': 'Create access keys',
  'seller.catalog.credentials.create.intro':
    'OneClick creates a new AK and SK. The SK is shown once, right after it is created.',
  'seller.catalog.credentials.create.submit': 'Create AK/SK',
  'seller.catalog.credentials.created.title': 'New access keys',
  'seller.catalog.credentials.created.once':
    'Copy the SK now and keep it safe: this is the only time it is shown. OneClick cannot show it again.',
  'seller.catalog.credentials.copyAk': 'Copy AK',
  'seller.catalog.credentials.copySk': 'Copy SK',
} satisfies Record<string, string>;
