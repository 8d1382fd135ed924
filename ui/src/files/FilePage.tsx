import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";

import type { Schemas } from "../api/client";
import { elapsedMs, formatDuration, formatSize } from "../format/format";
import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import { StatusBadge } from "../shared/StatusBadge";
import { Time } from "../shared/Time";
import { fileDetailQuery, type FileDetail } from "./queries";

const taskLink = (id: string) => `/tasks/${encodeURIComponent(id)}`;

/** One file's whole life: where it was seen, each run (linking to its task), and a timeline. */
export function FilePage() {
  const { t } = useI18n();
  const { fileId = "" } = useParams();
  const file = useQuery(fileDetailQuery(fileId));
  return (
    <section className="file-detail">
      <Link to="/files" className="back">
        ← {t("files.back")}
      </Link>
      {file.isPending && <p className="muted">{t("common.loading")}</p>}
      {file.isError && <ErrorNotice error={file.error} onRetry={() => file.refetch()} />}
      {file.data && <FileLife file={file.data} />}
    </section>
  );
}

function FileLife({ file }: { file: FileDetail }) {
  const { t } = useI18n();
  return (
    <>
      <div className="page-title">
        <h1>{file.name}</h1>
      </div>
      <dl className="facts">
        <div>
          <dt>{t("files.col.file")}</dt>
          <dd>
            {file.host}:{file.root}/{file.rel_path}
          </dd>
        </div>
        <div>
          <dt>{t("files.agent")}</dt>
          <dd>{file.agent_id}</dd>
        </div>
        <div>
          <dt>{t("files.col.size")}</dt>
          <dd>{formatSize(file.size)}</dd>
        </div>
        <div>
          <dt>{t("files.col.detected")}</dt>
          <dd>
            <Time iso={file.detected_at} />
          </dd>
        </div>
        {file.sha256 && (
          <div>
            <dt>{t("task.sha256")}</dt>
            <dd>
              <code className="hash">{file.sha256}</code>
            </dd>
          </div>
        )}
      </dl>
      <h2>{t("files.runsTitle", { count: file.runs.length })}</h2>
      {file.runs.length === 0 ? (
        <p className="muted">{t("files.noRuns")}</p>
      ) : (
        <ol className="file-runs">
          {file.runs.map((run) => (
            <li key={run.id} className="card" data-task-id={run.id}>
              <div className="row">
                <StatusBadge status={run.status} />
                <Link to={taskLink(run.id)}>{run.id}</Link>
                {run.retry_of && (
                  <span className="muted">{t("files.retryOf", { id: run.retry_of })}</span>
                )}
              </div>
              <p className="muted">
                {run.rule_id
                  ? t("task.ruleVersion", { id: run.rule_id, version: run.rule_version ?? "?" })
                  : t("task.noRule")}
                {" · "}
                <Time iso={run.created_at} />
                {run.finished_at &&
                  ` · ${formatDuration(elapsedMs(run.started_at, run.finished_at))}`}
              </p>
              {run.error && (
                <div className="error-line">
                  {run.error_class && `${run.error_class}: `}
                  {run.error}
                </div>
              )}
            </li>
          ))}
        </ol>
      )}
      <h2>{t("files.timeline")}</h2>
      <ol className="timeline">
        {file.timeline.map((entry, index) => (
          <TimelineItem key={index} entry={entry} />
        ))}
      </ol>
    </>
  );
}

function TimelineItem({ entry }: { entry: Schemas["TimelineEntry"] }) {
  const { t } = useI18n();
  return (
    <li data-event={entry.event}>
      <Time iso={entry.at} /> <strong>{timelineEvent(t, entry.event)}</strong>
      {entry.step && ` ${entry.step}`}
      {entry.attempt != null && ` #${entry.attempt}`}
      {entry.status && ` · ${entry.status}`}
      {entry.task_id && (
        <>
          {" · "}
          <Link to={taskLink(entry.task_id)}>{entry.task_id}</Link>
        </>
      )}
      {(entry.error_class || entry.message) && (
        <div className="muted">
          {entry.error_class && `${entry.error_class}: `}
          {entry.message}
        </div>
      )}
    </li>
  );
}

function timelineEvent(t: ReturnType<typeof useI18n>["t"], event: string): string {
  switch (event) {
    case "detected":
      return t("files.event.detected");
    case "task.started":
      return t("files.event.started");
    case "step.attempt":
      return t("files.event.attempt");
    case "task.finished":
      return t("files.event.finished");
    default:
      return event;
  }
}
