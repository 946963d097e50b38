import { randomUUID } from 'node:crypto';
import { asObject, ecsError, q, str, type ApiRequest, type ApiResponse } from './api-types.js';
import { goldImages, imageBody } from './catalogue.js';
import { nowIso, type ImageRecord, type ProjectState } from './emulator-state.js';
import { DEFAULT_IMAGE_ID, SANDBOX_IMAGES, type Emulator } from './emulator.js';

/**
 * IMS ListImages (`GET /v2/cloudimages`). In a real region IMS has its own endpoint
 * (`ims.{region}.myhuaweicloud.com`); the sandbox serves it on its one port. The path has no
 * project id: the project is the `X-Project-Id` the SDK signer sends. Gold images are the
 * sandbox's, shared by every project; private images are one project's, made through the
 * sandbox admin (`POST /_sandbox/projects/{project_id}/private-images`). Errors use IMS's
 * `{"error":{"code","message"}}` body.
 */

const IMAGE_TYPES = ['gold', 'private', 'shared', 'market'];
const NAME = /^[\p{L}\p{N}_.\- ]{1,128}$/u;
const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 1000;

const bad = (message: string) => ecsError(400, 'IMG.0001', message);

/** True when a create request may use this image id in this project. */
export function imageUsable(p: ProjectState, imageRef: string): boolean {
  return imageRef in SANDBOX_IMAGES || p.privateImages.has(imageRef);
}

/** The image's name, for ShowServer's `metadata.image_name`. */
export function imageName(p: ProjectState, imageRef: string): string {
  return SANDBOX_IMAGES[imageRef] ?? p.privateImages.get(imageRef)?.name ?? '';
}

/** Every image the project sees, gold first, each in the order it was made. */
function visibleImages(p: ProjectState) {
  const gold = goldImages().map((img) => imageBody(img, 'gold', 'sandbox'));
  const own = [...p.privateImages.values()].map((img) =>
    imageBody(
      { ...img, osName: SANDBOX_IMAGES[img.sourceImageId] ?? img.sourceImageId },
      'private',
      p.id,
    ),
  );
  return [...gold, ...own];
}

export function listImages(_emu: Emulator, p: ProjectState, req: ApiRequest): ApiResponse {
  const type = q(req, '__imagetype');
  if (type !== undefined && !IMAGE_TYPES.includes(type)) {
    return bad(`Invalid __imagetype ${type}: use gold, private, shared or market.`);
  }
  const limitText = q(req, 'limit');
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return bad(`limit must be an integer from 1 to ${MAX_LIMIT}.`);
  }
  const status = q(req, 'status');
  const name = q(req, 'name');
  const id = q(req, 'id');
  const matching = visibleImages(p).filter(
    (img) =>
      (type === undefined || img.__imagetype === type) &&
      (status === undefined || img.status === status) &&
      (name === undefined || img.name === name) &&
      (id === undefined || img.id === id),
  );
  const marker = q(req, 'marker');
  let start = 0;
  if (marker !== undefined && marker !== '') {
    const at = matching.findIndex((img) => img.id === marker);
    if (at < 0) return bad(`marker ${marker} is not an image of this listing.`);
    start = at + 1;
  }
  return { status: 200, body: { images: matching.slice(start, start + limit) } };
}

/**
 * Makes a private image in a project (as a buyer would from one of their servers); it has the
 * userland of `sourceImageId` (default: the default gold image).
 */
export function createPrivateImage(
  p: ProjectState,
  name: string,
  sourceImageId = DEFAULT_IMAGE_ID,
): ImageRecord {
  const image: ImageRecord = { id: randomUUID(), name, sourceImageId, created_at: nowIso() };
  p.privateImages.set(image.id, image);
  return image;
}

const ADMIN_PATH = /^\/_sandbox\/projects\/([0-9A-Za-z_-]+)\/private-images$/;

/**
 * The sandbox admin's `POST /_sandbox/projects/{project_id}/private-images` with `{name,
 * sourceImageId?}`: answers the image as IMS lists it, or undefined when the path is not this one.
 */
export function handlePrivateImageAdmin(
  emu: Emulator,
  raw: { method: string; rawPath: string; rawBody: string },
): ApiResponse | undefined {
  const m = ADMIN_PATH.exec(raw.rawPath);
  if (!m || raw.method !== 'POST') return undefined;
  const p = emu.projects.get(m[1] ?? '');
  if (!p) return ecsError(404, 'SANDBOX.0404', `no project ${m[1]}`);
  let body: Record<string, unknown> | undefined;
  try {
    body = asObject(JSON.parse(raw.rawBody || '{}'));
  } catch {
    return ecsError(400, 'SANDBOX.0001', 'the body must be JSON');
  }
  const name = str(body, 'name') ?? '';
  if (!NAME.test(name)) return ecsError(400, 'SANDBOX.0001', 'name must be 1-128 characters');
  const source = str(body, 'sourceImageId') ?? DEFAULT_IMAGE_ID;
  if (!(source in SANDBOX_IMAGES)) {
    return ecsError(400, 'SANDBOX.0001', `sourceImageId ${source} is not a gold image`);
  }
  const image = createPrivateImage(p, name, source);
  emu.changed();
  return {
    status: 201,
    body: { image: imageBody({ ...image, osName: SANDBOX_IMAGES[source] ?? '' }, 'private', p.id) },
  };
}
