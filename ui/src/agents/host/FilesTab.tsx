// Browse an agent's roots: breadcrumbs, a page of entries (directories first), whether Sluice
// shipped each file and its task, and Upload for operators.

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";

import { formatSize } from "../../format/format";
import { useI18n } from "../../i18n/I18n";
import { canActOnTasks } from "../../session/roles";
import { usePrincipal } from "../../session/Session";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Time } from "../../shared/Time";
import { dirQuery, useUploadFile, type FileEntry } from "./queries";

interface Props {
  agentId: string;
  dir: string;
  onDir: (dir: string) => void;
  onOpen: (path: string) => void;
}

export function FilesTab({ agentId, dir, onDir, onOpen }: Props) {
  const { t } = useI18n();
  const [cursors, setCursors] = useState<string[]>([""]);
  const cursor = cursors[cursors.length - 1] ?? "";
  const page = useQuery(dirQuery(agentId, dir, cursor));
  const go = (path: string) => {
    setCursors([""]);
    onDir(path);
  };
  return (
    <div className="host-files">
      <Breadcrumbs path={dir} root={page.data?.root ?? ""} onGo={go} />
      {page.isPending && <p className="muted">{t("common.loading")}</p>}
      {page.isError && <ErrorNotice error={page.error} onRetry={() => page.refetch()} />}
      {page.data && page.data.entries.length === 0 && <p className="muted">{t("host.empty")}</p>}
      {page.data && page.data.entries.length > 0 && (
        <table className="host-entries">
          <thead>
            <tr>
              <th>{t("host.col.name")}</th>
              <th>{t("host.col.size")}</th>
              <th>{t("host.col.mtime")}</th>
              <th>{t("host.col.shipped")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {page.data.entries.map((entry) => (
              <EntryRow
                key={entry.path}
                agentId={agentId}
                entry={entry}
                onDir={go}
                onOpen={onOpen}
              />
            ))}
          </tbody>
        </table>
      )}
      {page.data?.cut && <p className="muted">{t("host.cut")}</p>}
      <div className="row">
        {cursors.length > 1 && (
          <button type="button" onClick={() => setCursors(cursors.slice(0, -1))}>
            {t("host.previous")}
          </button>
        )}
        {page.data?.next_cursor && (
          <button type="button" onClick={() => setCursors([...cursors, page.data.next_cursor!])}>
            {t("host.next")}
          </button>
        )}
      </div>
    </div>
  );
}

function Breadcrumbs({
  path,
  root,
  onGo,
}: {
  path: string;
  root: string;
  onGo: (p: string) => void;
}) {
  const { t } = useI18n();
  const below =
    root && path.startsWith(root) ? path.slice(root.length).split("/").filter(Boolean) : [];
  return (
    <nav className="row host-crumbs" aria-label={t("host.crumbs")}>
      <button type="button" className="link" onClick={() => onGo("")}>
        {t("host.roots")}
      </button>
      {root && (
        <>
          <span>/</span>
          <button type="button" className="link" onClick={() => onGo(root)}>
            {root}
          </button>
        </>
      )}
      {below.map((part, index) => {
        const target = [root, ...below.slice(0, index + 1)].join("/");
        return (
          <span key={target} className="row">
            <span>/</span>
            <button type="button" className="link" onClick={() => onGo(target)}>
              {part}
            </button>
          </span>
        );
      })}
    </nav>
  );
}

interface RowProps {
  agentId: string;
  entry: FileEntry;
  onDir: (path: string) => void;
  onOpen: (path: string) => void;
}

function EntryRow({ agentId, entry, onDir, onOpen }: RowProps) {
  const { t } = useI18n();
  const operator = canActOnTasks(usePrincipal().role);
  const upload = useUploadFile(agentId);
  const name =
    entry.type === "dir" ? (
      <button type="button" className="link" onClick={() => onDir(entry.path)}>
        {entry.name}/
      </button>
    ) : entry.type === "file" ? (
      <button type="button" className="link" onClick={() => onOpen(entry.path)}>
        {entry.name}
      </button>
    ) : (
      <span className="muted" title={t(`host.type.${entry.type}`)}>
        {entry.name} ({t(`host.type.${entry.type}`)})
      </span>
    );
  return (
    <tr data-name={entry.name}>
      <td>{name}</td>
      <td>{entry.size != null ? formatSize(entry.size) : ""}</td>
      <td>{entry.mtime && <Time iso={entry.mtime} />}</td>
      <td>
        {entry.shipped && entry.task_id ? (
          <Link to={`/tasks/${encodeURIComponent(entry.task_id)}`} className="badge shipped">
            {t("host.shipped", { status: entry.task_status ?? "" })}
          </Link>
        ) : entry.type === "file" ? (
          <span className="muted">{entry.watched ? t("host.notYet") : t("host.notWatched")}</span>
        ) : null}
      </td>
      <td>
        {operator && entry.type === "file" && (
          <button
            type="button"
            disabled={upload.isPending}
            onClick={() => upload.mutate(entry.path)}
          >
            {upload.isSuccess ? t("host.uploaded") : t("host.upload")}
          </button>
        )}
        {upload.isError && <ErrorNotice error={upload.error} />}
      </td>
    </tr>
  );
}
