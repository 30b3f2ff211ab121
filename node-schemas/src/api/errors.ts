import { z } from 'zod';

/**
 * Every error code the engine answers with, in a REST error body `{error, code, ...data}` or a
 * `server:error` WebSocket message, with what it means. Clients compare a code against this
 * catalogue (`ErrorCode.enum.STALE_VERSION`), never against a string literal of their own; the
 * engine's error classes are typed by it, so a code missing here does not compile.
 */
export const ERROR_CODES = {
  // Requests
  INVALID_REQUEST: 'the body, query or parameters failed validation (400)',
  INVALID_BODY: 'the body could not be read as its content type (400)',
  PAYLOAD_TOO_LARGE: 'the body is over the size limit (413)',
  BAD_REQUEST: 'the HTTP framework refused the request (400)',
  NOT_FOUND: 'no route for this method and path (404)',
  UNAUTHORIZED: 'a token is required or the one sent is not valid (401)',
  INTERNAL: 'the engine failed; the details are in its log (500)',
  STUDIO_ERROR: 'an engine error without a code of its own (500)',
  INVALID_SETTING: 'an engine setting (environment variable) is not valid (500)',
  MISSING_TOOL: 'a program the engine needs (git-lfs, ffmpeg) is not installed (500)',
  WORKSPACE_LOCKED: 'another engine holds this workspace (500)',
  // Projects
  PROJECT_NOT_FOUND: 'no project with this id (404)',
  STALE_VERSION: 'the version sent is older than the project: reload and retry (409; data: sent_version, current_version)',
  INVALID_GRAPH: 'the graph breaks the node-type or socket rules (400)',
  CORRUPT_PROJECT: 'project.json or the canvas on disk cannot be read (500)',
  FORMAT_TOO_NEW: 'a file on disk was written by a newer studio, in a format this one cannot read (409; data: kind, format, supported, path)',
  GIT_FAILED: 'a git operation on the project repository failed (500)',
  FILE_NOT_FOUND: 'no such file in the project or library (404)',
  LFS_POINTER: 'the file is a Git LFS pointer whose content was never fetched (409)',
  TAKE_OUTPUT_MISSING: "a generation's output file is gone before it became a take (500)",
  REPOSITORY_PATH_REFUSED: 'a project write named a path outside the project, into .git, through a symlink, or twice in one commit (400; data: path, reason)',
  REPOSITORY_CHANGE_REFUSED: 'a project write cannot be made as asked: the file to move in is missing, the object is not in the blob store (400)',
  REPOSITORY_INDEX_LOCKED:
    "another git process held the project's index (.git/index.lock) past the commit's wait; nothing was written, try again (503; data: waited_ms)",
  // Jobs and pipelines
  TASK_NOT_FOUND: 'no task with this id (404)',
  NO_JOB_QUEUE: 'this engine runs no job queue (503)',
  NO_CAPABLE_WORKER: 'no live worker can run the job at the quality asked for (503)',
  PIPELINE_NOT_FOUND: 'no installed pipeline with this id (400)',
  MISSING_INPUT:
    'a required pipeline input has nothing wired to the socket that feeds it, or what is wired has no media yet (400; data: node_id, input, socket)',
  INPUT_MISMATCH: 'media of the wrong kind is wired into a pipeline input, e.g. a video into an image socket (400; data: node_id, input, socket)',
  PIPELINE_FAILED: 'the pipeline ran and failed (500)',
  PIPELINE_TIMEOUT: 'the pipeline ran past its time limit (504)',
  CANCELLED: 'the job was cancelled (409)',
  NO_BACKEND: 'no runner backend here can run the pipeline (503)',
  // Assets and training
  ASSET_NOT_FOUND: 'no asset with this id (404)',
  NO_ASSET_LIBRARY: 'this engine runs no asset library (503)',
  TRIGGER_WORD_TAKEN: 'another asset uses this trigger word (409)',
  UNSUPPORTED_MEDIA: 'the file is not a media type the library takes (415)',
  CORRUPT_MEDIA: 'the file claims a media type but cannot be decoded (422)',
  EMPTY_UPLOAD: 'the upload carried no file (400)',
  NO_IMAGES: 'no image of the upload was added',
  UPLOAD_TOO_LARGE: 'a file of the upload is over the size limit (413)',
  UPLOAD_ABORTED: 'the upload stopped before it was complete (400)',
  IMAGE_TOO_SMALL: 'the image is smaller than training needs (422)',
  ZIP_REFUSED: 'the zip archive is refused (links, paths outside it, too many or too large entries) (422)',
  DATASET_REFUSED: "the asset's images do not make a training set (422)",
  SAFETENSORS_FORMAT: 'the file is not a valid safetensors file (422)',
  // Assembly
  MISSING_TAKES: 'shots of the sequence have no active take (400)',
  EMPTY_SEQUENCE: 'the assembler has no shots to cut (400)',
  SEQUENCE_PROBLEMS: 'the sequence has problems that must be fixed before export (400)',
  UNKNOWN_PREVIEW: 'no draft preview with this id (404)',
  RENDER_FAILED: 'ffmpeg, editly or the output check failed (500)',
  MISSING_MEDIA: 'a source file the list needs is absent or an LFS pointer (409)',
  INVALID_EDL: 'the renderer cannot lay out this list (400)',
  EDL_TIMECODE: 'a timecode that cannot exist at the rate (400)',
  EDL_PARSE: 'the list cannot be read (400; data: line, reason)',
  EDL_RECORD_ORDER: 'record timecodes overlap or run backwards (400)',
  EDL_WRITE: 'the sequence cannot be written as CMX3600 (400)',
  // WebSocket (server:error)
  BAD_MESSAGE: 'the message is not a valid client message',
  BAD_JSON: 'the message is not JSON',
  TOO_LARGE: 'the message is over the size limit',
  FLOOD: 'too many messages a second',
  EDIT_REJECTED: 'the edit breaks the graph rules',
  UNAVAILABLE: 'this engine does not offer what the message asks for',
  FAILED: 'the engine could not do what the message asked for',
  // Users, tenants and project repositories over git (docs/users-and-tenants.md)
  FORBIDDEN: "the token is valid but does not allow this (another tenant's project, a read-only scope) (403)",
  INVALID_CREDENTIALS: 'the username or password is wrong (401)',
  TOKEN_EXPIRED: 'the token has expired: sign in again (401)',
  USER_EXISTS: 'a user with this name already exists (409)',
  USER_NOT_FOUND: 'no user with this name (404)',
  TOO_MANY_ATTEMPTS: 'too many failed sign-ins for this username from this address: wait (429; data: retry_after_s)',
  LFS_OBJECT_MISMATCH: 'the bytes sent are not the object they name (sha256 or size differ) (422)',
  S3_UNAVAILABLE: 'the object store (S3) does not answer or refused the request (503)',
  LFS_OBJECT_MISSING: 'an LFS object the request names is not in the object store (404)',
  // Governance: fork, history, review, events, costs (docs/governance.md)
  COMMIT_NOT_FOUND: 'no commit with this id in the project (404)',
  SCENE_NOT_FOUND: 'no scene with this name in the project (404)',
  EVENT_NOT_FOUND: "no event with this seq in the project's log (404)",
  PROVENANCE_NOT_FOUND: 'the take has no provenance sidecar, or there is no such take (404; data: take, sidecar)',
  REVIEW_TRANSITION: "the review action is not allowed from the scene's status (409; data: scene, status, action)",
  SCENE_LOCKED: 'the scene is approved: its shots refuse edits until it is reopened (409; data: scene)',
  SCENE_NOT_APPROVED: 'a final render needs every scene of the cut approved (409; data: scene, status)',
  BUDGET_EXCEEDED: 'the job would go over the project or scene budget (402; data: scope, budget, spent, estimate, left)',
  // Clients
  HTTP_ERROR: "a client's name for an error answer without an error body (a proxy, a network failure)",
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ErrorCode = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

/** Fastify's own codes (FST_ERR_BAD_URL...) for requests it refuses before a route runs. */
const FrameworkCode = z.string().regex(/^FST_[A-Z0-9_]+$/);

/** A REST error body: the message, the code, and the error's data beside them. */
export const ApiErrorBody = z.object({ error: z.string(), code: z.union([ErrorCode, FrameworkCode]) }).loose();
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
