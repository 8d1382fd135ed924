// What a target runs against what it should run, file by file (receiver secrets as <secret>),
// and a hand edit on disk flagged by its digest: the sidecar never uploads file contents.

import { useQuery } from "@tanstack/react-query";

import { useI18n } from "../i18n/I18n";
import { DiffView } from "../shared/DiffView";
import { ErrorNotice } from "../shared/ErrorNotice";
import { diffQuery, type TargetDiff } from "./queries";

export function TargetDiffPanel({ name }: { name: string }) {
  const { t } = useI18n();
  const diff = useQuery(diffQuery(name));
  return (
    <section data-testid="target-diff">
      <h2>{t("config.diff")}</h2>
      {diff.isError && <ErrorNotice error={diff.error} onRetry={() => diff.refetch()} />}
      {diff.data && <DiffBody diff={diff.data} />}
    </section>
  );
}

function DiffBody({ diff }: { diff: TargetDiff }) {
  const { t } = useI18n();
  const changed = diff.files.filter((f) => f.change !== "same");
  return (
    <>
      <p className="muted">
        {t("config.diffNote", { live: diff.live_version, desired: diff.desired_version })}
      </p>
      {diff.drift && (
        <p className="error-line" data-testid="target-drift">
          {t("config.driftNote", { digest: diff.disk_digest.slice(0, 12) })}
        </p>
      )}
      {!diff.live_known && (
        <p className="empty">{t("config.diffUnknown", { reason: diff.live_note })}</p>
      )}
      {diff.live_known && changed.length === 0 && (
        <p className="empty" data-testid="diff-empty">
          {diff.in_sync ? t("config.diffEmpty") : t("config.diffSecretsOnly")}
        </p>
      )}
      {changed.map((file) => (
        <div key={file.name} className="target-file-diff" data-file={file.name}>
          <h3>
            <code>{file.name}</code>{" "}
            <span className="muted">{t(`config.change.${file.change}`)}</span>
          </h3>
          <DiffView diff={file.diff} />
        </div>
      ))}
    </>
  );
}
