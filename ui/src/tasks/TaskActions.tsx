import { useState } from "react";
import { Link } from "react-router";

import type { Schemas } from "../api/client";
import { useI18n } from "../i18n/I18n";
import { canActOnTasks } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ConfirmButton } from "../shared/ConfirmButton";
import { ErrorNotice } from "../shared/ErrorNotice";
import { isFinished, useCancelTask, useDecideTask, useRetryTask } from "./queries";

type Task = Schemas["TaskDetail"];

/** Retry, cancel, approve or reject: only those the task's state allows, and only for a role
 * that may act; a refusal from the API is still shown as such. */
export function TaskActions({ task }: { task: Task }) {
  const { t } = useI18n();
  const principal = usePrincipal();
  const retry = useRetryTask(task.id);
  const cancel = useCancelTask(task.id);
  const decide = useDecideTask(task.id);
  const [comment, setComment] = useState("");

  const status = task.status;
  const canRetry = status === "failed" || status === "cancelled";
  const canCancel = !isFinished(status);
  const waiting = status === "waiting_approval";
  if (!canActOnTasks(principal.role) || !(canRetry || canCancel)) return null;

  const busy = retry.isPending || cancel.isPending || decide.isPending;
  const failure = retry.error ?? cancel.error ?? decide.error;
  return (
    <section className="actions card" aria-labelledby="task-actions">
      <h2 id="task-actions">{t("task.actions")}</h2>
      {waiting && (
        <div className="approval">
          <h3>{t("task.approval")}</h3>
          <label className="field field-wide">
            <span>{t("task.comment")}</span>
            <textarea
              value={comment}
              maxLength={2000}
              onChange={(e) => setComment(e.target.value)}
            />
          </label>
          <div className="row">
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => decide.mutate({ approved: true, comment })}
            >
              {t("task.approve")}
            </button>
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() => decide.mutate({ approved: false, comment })}
            >
              {t("task.reject")}
            </button>
          </div>
        </div>
      )}
      <div className="row">
        {canRetry && (
          <button type="button" disabled={busy} onClick={() => retry.mutate(undefined)}>
            {t("task.retry")}
          </button>
        )}
        {canCancel && (
          <ConfirmButton
            label={t("task.cancel")}
            question={t("task.cancelConfirm")}
            confirm={t("task.confirm")}
            keep={t("task.keep")}
            disabled={busy}
            onConfirm={() => cancel.mutate(undefined)}
          />
        )}
        {busy && <span className="muted">{t("task.working")}</span>}
      </div>
      <div aria-live="polite">
        {retry.data && (
          <p className="notice">
            {t("task.retried")}{" "}
            <Link to={`/tasks/${encodeURIComponent(retry.data.task_id)}`}>
              {retry.data.task_id}
            </Link>
          </p>
        )}
        {cancel.data && <p className="notice">{t("task.cancelled")}</p>}
        {decide.data && (
          <p className="notice">{t("task.decided", { detail: decide.data.detail })}</p>
        )}
      </div>
      {failure && <ErrorNotice error={failure} />}
    </section>
  );
}
