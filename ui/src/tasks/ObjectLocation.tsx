import type { Schemas } from "../api/client";
import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Time } from "../shared/Time";
import { useDownloadLink } from "./queries";

type Task = Schemas["TaskDetail"];

/** Where the task stored its object, and a presigned link to it on request (it expires, so
 * it is not asked for on every visit). */
export function ObjectLocation({ task }: { task: Task }) {
  const { t } = useI18n();
  const link = useDownloadLink(task.id);
  if (!task.bucket || !task.object_key) return null;
  const name = task.object_key.split("/").pop() || task.object_key;
  return (
    <section className="card object-location" aria-labelledby="task-object">
      <h2 id="task-object">{t("task.location")}</h2>
      <dl className="facts">
        <div>
          <dt>{t("task.bucket")}</dt>
          <dd>
            <code>{task.bucket}</code>
          </dd>
        </div>
        <div>
          <dt>{t("task.key")}</dt>
          <dd>
            <code>{task.object_key}</code>
          </dd>
        </div>
      </dl>
      <div className="row">
        <button type="button" disabled={link.isPending} onClick={() => link.mutate()}>
          {link.data ? t("task.newLink") : t("task.getLink")}
        </button>
        {link.data && (
          <span>
            <a href={link.data.url} download={name} data-testid="download-link">
              {t("task.download", { name })}
            </a>{" "}
            <span className="muted">
              {t("task.expires")} <Time iso={link.data.expires_at} />
            </span>
          </span>
        )}
      </div>
      {link.error && <ErrorNotice error={link.error} />}
    </section>
  );
}
