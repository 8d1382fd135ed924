import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import type { Schemas } from "../api/client";
import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import { StatusBadge } from "../shared/StatusBadge";
import { Time } from "../shared/Time";
import { fileTimelineQuery } from "./queries";

type Status = Schemas["TaskStatus"] | Schemas["StepStatus"];
const STATUSES = new Set<string>([
  "pending", "running", "retrying", "waiting_approval", "succeeded", "failed", "cancelled",
  "ignored", "skipped", "compensated",
]); // prettier-ignore

/** The file's life, oldest first: detected, each run started, each attempt, each end. */
export function FileTimeline({ taskId, fileEventId }: { taskId: string; fileEventId: string }) {
  const { t } = useI18n();
  const file = useQuery(fileTimelineQuery(taskId, fileEventId));
  return (
    <section aria-labelledby="file-timeline">
      <h2 id="file-timeline">{t("task.timeline")}</h2>
      {file.isPending && <p className="muted">{t("common.loading")}</p>}
      {file.isError && <ErrorNotice error={file.error} onRetry={() => file.refetch()} />}
      {file.data && (
        <ol className="timeline">
          {file.data.timeline.map((entry, index) => (
            <li key={index} className={entry.task_id === taskId ? "current" : undefined}>
              <Time iso={entry.at} /> <strong>{eventLabel(t, entry.event)}</strong>
              {entry.task_id && entry.task_id !== taskId && (
                <>
                  {" "}
                  <Link to={`/tasks/${encodeURIComponent(entry.task_id)}`}>{entry.task_id}</Link>
                </>
              )}
              {entry.step && (
                <span>
                  {" "}
                  {entry.step}
                  {entry.attempt != null && ` #${entry.attempt}`}
                </span>
              )}
              {entry.status &&
                (STATUSES.has(entry.status) ? (
                  <>
                    {" "}
                    <StatusBadge status={entry.status as Status} />
                  </>
                ) : (
                  <span> {entry.status}</span>
                ))}
              {entry.error_class && <span className="muted"> {entry.error_class}</span>}
              {entry.message && <span className="muted"> — {entry.message}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function eventLabel(t: ReturnType<typeof useI18n>["t"], event: string): string {
  switch (event) {
    case "detected":
      return t("task.event.detected");
    case "task.started":
      return t("task.event.started");
    case "step.attempt":
      return t("task.event.attempt");
    case "task.finished":
      return t("task.event.finished");
    default:
      return event;
  }
}
