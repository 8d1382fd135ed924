// One rule set or Alertmanager config: its newest YAML in the editor, saved as a new version
// (problems marked at their lines), then publish; the versions with diffs and roll back.
// At `…/new` the same editor creates the document under a name.

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate, useParams } from "react-router";

import { useI18n } from "../i18n/I18n";
import type { LineProblem } from "../rules/problems";
import "../rules/rules.css";
import { canEditRules } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { YamlSaveBlock } from "../shared/YamlSaveBlock";
import { DocumentVersions } from "./DocumentVersions";
import {
  ConfigInvalid,
  documentQuery,
  useCreateDocument,
  usePublish,
  useSaveVersion,
  versionQuery,
  type DocPath,
} from "./queries";

const STARTERS: Record<DocPath, string> = {
  "rule-sets": "groups:\n  - name: example\n    rules: []\n",
  "alertmanager-configs": "route:\n  receiver: default\nreceivers:\n  - name: default\n",
};

export function DocumentPage({ kind }: { kind: DocPath }) {
  const { name = "new" } = useParams();
  return name === "new" ? (
    <NewDocument kind={kind} />
  ) : (
    <ExistingDocument kind={kind} name={name} />
  );
}

function ExistingDocument({ kind, name }: { kind: DocPath; name: string }) {
  const { t } = useI18n();
  const doc = useQuery(documentQuery(kind, name));
  const latest = useQuery({
    ...versionQuery(kind, name, doc.data?.latest_version ?? 0),
    enabled: doc.data !== undefined,
    // Keep the editor mounted (and its "Publish vN") while a newly saved version loads.
    placeholderData: (previous) => previous,
  });
  return (
    <section>
      <div className="page-title">
        <h1>{name}</h1>
        {doc.data && (
          <span className="muted" data-testid="doc-versions">
            {t("rule.versionInfo", {
              latest: doc.data.latest_version,
              live: doc.data.live_version ?? t("config.none"),
            })}
          </span>
        )}
      </div>
      {doc.isError && <ErrorNotice error={doc.error} onRetry={() => doc.refetch()} />}
      {doc.data && doc.data.targets.length > 0 && (
        <p>{t("config.reaches", { targets: doc.data.targets.join(", ") })}</p>
      )}
      {latest.data && (
        <DocumentForm
          key={latest.data.version}
          kind={kind}
          name={name}
          initial={latest.data.text}
        />
      )}
      <DocumentVersions kind={kind} name={name} />
    </section>
  );
}

function NewDocument({ kind }: { kind: DocPath }) {
  const { t } = useI18n();
  const [name, setName] = useState("");
  return (
    <section>
      <div className="page-title">
        <h1>{t("config.newTitle")}</h1>
      </div>
      <label className="field">
        <span>{t("config.col.name")}</span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
      </label>
      <DocumentForm kind={kind} name={name} initial={STARTERS[kind]} creating />
    </section>
  );
}

function DocumentForm({
  kind,
  name,
  initial,
  creating = false,
}: {
  kind: DocPath;
  name: string;
  initial: string;
  creating?: boolean;
}) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const editable = canEditRules(usePrincipal().role);
  const create = useCreateDocument(kind);
  const save = useSaveVersion(kind, name);
  const publish = usePublish(kind, name);
  const [text, setText] = useState(initial);
  const [comment, setComment] = useState("");
  const [problems, setProblems] = useState<LineProblem[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const [saved, setSaved] = useState<number>();

  const onError = (error: unknown) => {
    if (error instanceof ConfigInvalid) setProblems(error.problems);
    else setFailure(error);
  };
  const onSave = () => {
    setFailure(undefined);
    setProblems([]);
    setSaved(undefined);
    if (creating) {
      create.mutate(
        { name, text, comment },
        { onSuccess: () => navigate(`/config/${kind}/${encodeURIComponent(name)}`), onError },
      );
    } else {
      save.mutate(
        { text, comment },
        {
          onSuccess: (v) => {
            setComment("");
            setSaved(v.version);
          },
          onError,
        },
      );
    }
  };

  return (
    <YamlSaveBlock
      initial={initial}
      onChange={setText}
      problems={problems}
      label={t("config.editor")}
      editable={editable}
      errors={[failure, publish.error]}
      saveLabel={creating ? t("config.create") : t("rule.save")}
      saving={save.isPending || create.isPending}
      onSave={onSave}
      beforeSave={
        <label className="field field-wide">
          <span>{t("routing.comment")}</span>
          <input value={comment} maxLength={500} onChange={(e) => setComment(e.target.value)} />
        </label>
      }
      afterSave={
        saved !== undefined && (
          <>
            <span role="status">{t("rule.saved", { version: saved })}</span>
            <button
              type="button"
              disabled={publish.isPending}
              onClick={() => publish.mutate(saved)}
            >
              {t("rule.publish", { version: saved })}
            </button>
          </>
        )
      }
    />
  );
}
