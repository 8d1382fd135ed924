import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";

import type { Schemas } from "../api/client";
import { elapsedMs, formatDuration, formatSize } from "../format/format";
import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Fact } from "../shared/Fact";
import { StatusBadge } from "../shared/StatusBadge";
import { Time } from "../shared/Time";
import { AnalysisResult } from "./AnalysisResult";
import { FileTimeline } from "./FileTimeline";
import { ObjectLocation } from "./ObjectLocation";
import { hasLiveProgress } from "./progress";
import { StepList } from "./StepList";
import { TaskActions } from "./TaskActions";
import { taskPath } from "./TaskTable";
import { taskDetailQuery } from "./queries";
import { UploadProgress } from "./UploadProgress";
import "./task-detail.css";

type Task = Schemas["TaskDetail"];

export function TaskDetailPage() {
  const { t } = useI18n();
  const { taskId = "" } = useParams();
  const task = useQuery(taskDetailQuery(taskId));
  return (
    <section className="task-detail">
      <Link to="/tasks" className="back">
        ← {t("task.back")}
      </Link>
      {task.isPending && <p className="muted">{t("common.loading")}</p>}
      {task.isError && <ErrorNotice error={task.error} onRetry={() => task.refetch()} />}
      {task.data && <TaskView task={task.data} />}
    </section>
  );
}

function TaskView({ task }: { task: Task }) {
  const { t } = useI18n();
  return (
    <>
      <div className="page-title">
        <h1>{taskPath(task)}</h1>
        <StatusBadge status={task.status} />
      </div>
      <p className="muted">{t("task.title", { id: task.id })}</p>
      <TaskActions task={task} />
      {hasLiveProgress(task.status) && <UploadProgress task={task} />}
      {task.error && (
        <div className="notice notice-error">
          <strong>{t("task.error")}:</strong> {task.error_class && `${task.error_class}: `}
          {task.error}
        </div>
      )}
      <dl className="facts">
        <Fact label={t("task.file")}>
          {task.file_event ? `${task.file_event.root}/${task.file_event.rel_path}` : taskPath(task)}
        </Fact>
        <Fact label={t("task.agent")}>{task.agent_id}</Fact>
        <Fact label={t("task.size")}>{formatSize(task.size)}</Fact>
        <Fact label={t("task.sha256")}>
          {task.sha256 && <code className="hash">{task.sha256}</code>}
        </Fact>
        <Fact label={t("task.rule")}>
          {task.rule_id
            ? t("task.ruleVersion", { id: task.rule_id, version: task.rule_version ?? "?" })
            : t("task.noRule")}
        </Fact>
        <Fact label={t("task.object")}>{task.object_url && <code>{task.object_url}</code>}</Fact>
        <Fact label={t("task.created")}>
          <Time iso={task.created_at} />
        </Fact>
        <Fact label={t("task.started")}>{task.started_at && <Time iso={task.started_at} />}</Fact>
        <Fact label={t("task.finished")}>
          {task.finished_at && <Time iso={task.finished_at} />}
        </Fact>
        <Fact label={t("task.duration")}>
          {formatDuration(elapsedMs(task.started_at, task.finished_at))}
        </Fact>
        {task.retry_of && (
          <Fact label={t("task.retryOf")}>
            <Link to={`/tasks/${encodeURIComponent(task.retry_of)}`}>{task.retry_of}</Link>
          </Fact>
        )}
      </dl>
      <p>
        <a href={task.temporal_url} target="_blank" rel="noopener noreferrer" className="external">
          {t("task.temporal")} ↗
        </a>
      </p>
      <AnalysisResult steps={task.steps} />
      <ObjectLocation task={task} />
      <h2>{t("task.steps")}</h2>
      <StepList steps={task.steps} />
      {task.linked_runs.length > 0 && <LinkedRuns task={task} />}
      {task.file_event_id && <FileTimeline taskId={task.id} fileEventId={task.file_event_id} />}
    </>
  );
}

/** The file's runs oldest first with this one in place: the retry chain, each run linked to
 * the one it retried. */
function LinkedRuns({ task }: { task: Task }) {
  const { t } = useI18n();
  const runs = [...task.linked_runs, { ...task, retry_of: task.retry_of ?? null }].sort(
    (a, b) =>
      Date.parse(a.created_at ?? "") - Date.parse(b.created_at ?? "") || a.id.localeCompare(b.id),
  );
  return (
    <section aria-labelledby="linked-runs">
      <h2 id="linked-runs">{t("task.linkedRuns")}</h2>
      <ol className="linked-runs">
        {runs.map((run) => (
          <li key={run.id} aria-current={run.id === task.id ? "page" : undefined}>
            {run.id === task.id ? (
              <strong>
                {run.id} ({t("task.thisRun")})
              </strong>
            ) : (
              <Link to={`/tasks/${encodeURIComponent(run.id)}`}>{run.id}</Link>
            )}{" "}
            <StatusBadge status={run.status} /> <Time iso={run.created_at} />
            {run.retry_of && (
              <span className="muted"> ← {t("task.retryOfShort", { id: run.retry_of })}</span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
