// The API's one error shape, {"error": {"code", "message"}}, as a thrown error.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }

  /** The error a failed response's body describes (or its status, when it has no body). */
  static from(status: number, body: unknown): ApiError {
    const detail = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof detail?.code === "string" ? detail.code : `http_${status}`;
    const message = typeof detail?.message === "string" ? detail.message : `HTTP ${status}`;
    return new ApiError(status, code, message);
  }
}

/** Whether trying again could help: not for the API's refusals (4xx). */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof ApiError && error.status >= 400 && error.status < 500);
}
