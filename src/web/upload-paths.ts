/**
 * Console routes (exact paths; ids go in the query) whose bodies are streamed files, so the app's
 * JSON body limit and NUL scan skip them, and CSRF is checked from the header only (the body is
 * never read to find a token); the API they call applies its own limits.
 */
export const CONSOLE_UPLOAD_PATHS: readonly string[] = [
  '/console/seller/package-upload',
  '/console/seller/report-upload',
];
