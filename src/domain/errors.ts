/**
 * Domain errors carry a stable `code` and no HTTP status; `http/error-handler.ts` maps
 * codes to statuses in one table.
 */
export class MockError extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message)
    this.name = new.target.name
  }
}

export class BatchNotFoundError extends MockError {
  constructor(readonly batchId: string) {
    super('BATCH_NOT_FOUND', `Batch not found: ${batchId}`)
  }
}

export class BatchNotCancellableError extends MockError {
  constructor(
    readonly batchId: string,
    readonly status: string
  ) {
    super('BATCH_NOT_CANCELLABLE', `Batch ${batchId} is already ${status} and cannot be cancelled`)
  }
}

export class DirectoryNotFoundError extends MockError {
  constructor(readonly directoryId: string) {
    super('DIRECTORY_NOT_FOUND', `Directory not found: ${directoryId}`)
  }
}

export class ClockError extends MockError {
  constructor(message: string) {
    super('CLOCK_BACKWARDS', message)
  }
}

export class ProjectNotFoundError extends MockError {
  constructor(readonly projectId: string) {
    super('PROJECT_NOT_FOUND', `Project not found: ${projectId}`)
  }
}

export class BatchLimitError extends MockError {
  constructor(readonly maxBatches: number) {
    super('TOO_MANY_BATCHES', `Too many batches: this mock holds at most ${maxBatches} batches (--max-batches); reset it (POST /_mock/reset) or raise the limit`)
  }
}

export class DirectoryFileNotFoundError extends MockError {
  constructor(
    readonly directoryId: string,
    readonly fileId: string
  ) {
    super('DIRECTORY_FILE_NOT_FOUND', `Directory file not found: ${fileId}`)
  }
}

/** A documented count limit of directories or files was reached (see README "Limits"). */
export class DirectoryLimitError extends MockError {
  constructor(message: string) {
    super('DIRECTORY_LIMIT', message)
  }
}
