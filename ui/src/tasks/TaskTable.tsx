import { Link } from "react-router";

import type { Schemas } from "../api/client";
import { elapsedMs, formatDuration, formatSize } from "../format/format";
import { useI18n } from "../i18n/I18n";
import { StatusBadge } from "../shared/StatusBadge";
import { Time } from "../shared/Time";

type Task = Schemas["TaskPublic"];

export function taskPath(task: Pick<Task, "host" | "rel_path" | "id">): string {
  return task.rel_path ? `${task.host ?? ""}:${task.rel_path}` : task.id;
}

/** One page of tasks; each file links to its task's detail. */
export function TaskTable({ tasks }: { tasks: Task[] }) {
  const { t } = useI18n();
  return (
    <div className="table-scroll">
      <table className="tasks">
        <thead>
          <tr>
            <th scope="col">{t("tasks.col.status")}</th>
            <th scope="col">{t("tasks.col.file")}</th>
            <th scope="col" className="num optional">
              {t("tasks.col.size")}
            </th>
            <th scope="col">{t("tasks.col.created")}</th>
            <th scope="col" className="num optional">
              {t("tasks.col.duration")}
            </th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((task) => (
            <tr key={task.id} data-task-id={task.id}>
              <td>
                <StatusBadge status={task.status} />
              </td>
              <td className="file">
                <Link to={`/tasks/${encodeURIComponent(task.id)}`}>{taskPath(task)}</Link>
                {task.error && (
                  <div className="error-line">
                    {task.error_class && `${task.error_class}: `}
                    {task.error}
                  </div>
                )}
              </td>
              <td className="num optional">{formatSize(task.size)}</td>
              <td>
                <Time iso={task.created_at} />
              </td>
              <td className="num optional">
                {formatDuration(elapsedMs(task.started_at, task.finished_at))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
