// Agent detail → Files, Tail, Search: the agent's watched roots as its host sees them, through
// its host queue. Picking a file in Files opens it in Tail; Search and "Analyse this file"
// work on the same file.

import { useState } from "react";

import { useI18n } from "../../i18n/I18n";
import { FilesTab } from "./FilesTab";
import "./host.css";
import { SearchTab } from "./SearchTab";
import { TailTab } from "./TailTab";

type Tab = "files" | "tail" | "search";
const TABS: Tab[] = ["files", "tail", "search"];

export function HostViews({ agentId }: { agentId: string }) {
  const { t } = useI18n();
  const [tab, setTab] = useState<Tab>("files");
  const [dir, setDir] = useState("");
  const [file, setFile] = useState("");
  const open = (path: string) => {
    setFile(path);
    setTab("tail");
  };
  return (
    <section className="card host-views" aria-labelledby="host-views">
      <h2 id="host-views">{t("host.title")}</h2>
      <div className="row tabs" role="tablist">
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={tab === name}
            className={tab === name ? "active" : ""}
            onClick={() => setTab(name)}
          >
            {t(`host.tab.${name}`)}
          </button>
        ))}
      </div>
      {file && tab !== "files" && (
        <p className="host-file">
          <code>{file}</code>
        </p>
      )}
      {tab === "files" && <FilesTab agentId={agentId} dir={dir} onDir={setDir} onOpen={open} />}
      {tab !== "files" && !file && <p className="muted">{t("host.pickFile")}</p>}
      {tab === "tail" && file && <TailTab agentId={agentId} path={file} />}
      {tab === "search" && file && <SearchTab agentId={agentId} path={file} />}
    </section>
  );
}
