import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import type { Schemas } from "../api/client";
import { formatSize } from "../format/format";
import { useI18n } from "../i18n/I18n";
import { isUploading, percentSent, progressRefetchMs } from "./progress";
import { taskKeys, taskProgressQuery } from "./queries";

type Task = Schemas["TaskDetail"];

/** Stage, running steps and bytes sent, for a task still running (see progress.ts for when
 * it is asked again). When the running steps change, the task's steps are refetched too. */
export function UploadProgress({ task }: { task: Task }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const progress = useQuery({
    ...taskProgressQuery(task.id),
    refetchInterval: (query) => progressRefetchMs(task.status, task.steps, query.state.data),
    retry: false,
  });
  // The task changed (an event refreshed it): ask the workflow again.
  const { refetch } = progress;
  const status = useRef(task.status);
  useEffect(() => {
    if (status.current === task.status) return;
    status.current = task.status;
    void refetch();
  }, [task.status, refetch]);
  // A step started or ended: refresh the task's steps.
  const running = progress.data?.running.join(",");
  const seen = useRef(running);
  useEffect(() => {
    if (running === undefined || running === seen.current) return;
    const first = seen.current === undefined;
    seen.current = running;
    if (!first)
      void queryClient.invalidateQueries({ queryKey: taskKeys.detail(task.id), exact: true });
  }, [running, task.id, queryClient]);

  const p = progress.data;
  if (!p) return null;
  const uploading = isUploading(task.steps, p);
  const percent = percentSent(p.bytes_uploaded, task.size);
  return (
    <section className="card progress-card" data-testid="upload-progress" aria-live="polite">
      <h2>{t("task.progress")}</h2>
      <p>
        {p.stage >= 0
          ? t("task.stage", { stage: p.stage + 1, stages: p.stages })
          : t("task.routing")}
        {p.running.length > 0 && ` · ${t("task.running", { steps: p.running.join(", ") })}`}
        {p.waiting_for_approval && ` · ${t("task.waitingFor", { step: p.waiting_for_approval })}`}
      </p>
      {(uploading || p.bytes_uploaded > 0) && (
        <div className="upload-bar">
          <progress
            max={task.size ?? undefined}
            value={p.bytes_uploaded}
            aria-label={t("task.uploaded")}
          />
          <span>
            {t("task.sent", {
              sent: formatSize(p.bytes_uploaded),
              total: task.size != null ? formatSize(task.size) : "?",
            })}
            {percent !== null && ` (${percent}%)`}
          </span>
        </div>
      )}
    </section>
  );
}
