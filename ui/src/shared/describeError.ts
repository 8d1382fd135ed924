// One sentence for any failure, naming what the API said: a 403 stays visible as a refusal
// for the role, whatever button or link caused it.

import { ApiError } from "../api/errors";
import type { MessageKey } from "../i18n/en";
import type { Vars } from "../i18n/messages";

type Translate = (key: MessageKey, vars?: Vars) => string;

const BY_STATUS: Partial<Record<number, MessageKey>> = {
  401: "error.unauthorized",
  403: "error.forbidden",
  404: "error.notFound",
  409: "error.conflict",
  503: "error.unavailable",
};

export function describeError(t: Translate, error: unknown): string {
  if (error instanceof ApiError) {
    const key = BY_STATUS[error.status] ?? "error.other";
    return t(key, { status: error.status, message: error.message });
  }
  const message = error instanceof Error ? error.message : String(error);
  return t("error.network", { message });
}
