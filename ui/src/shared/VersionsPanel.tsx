import { useQuery, type QueryKey, type UseQueryOptions } from "@tanstack/react-query";
import { useId, useState, type ReactNode } from "react";

import { useI18n, type I18n } from "../i18n/I18n";
import type { Role } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ConfirmButton } from "./ConfirmButton";
import { diffChoices, initialDiff } from "./diffRange";
import { ErrorNotice } from "./ErrorNotice";
import { Time } from "./Time";

import "./versions.css";

/** What every versioned document's version says (`live` where one version can be live). */
export interface Version {
  version: number;
  created_by: string;
  created_at: string;
  live?: boolean;
}

/** A column of the versions table beyond the version itself. */
export interface VersionColumn<V> {
  header: string;
  cell: (version: V) => ReactNode;
}

/** The part of a TanStack mutation a button needs. */
export interface VersionMutation<A> {
  mutate: (args: A) => void;
  isPending: boolean;
  error: unknown;
}

/** Publishing and rolling back, shown only to the roles `allowed` lets act. */
export interface VersionActions<V> {
  allowed: (role: Role) => boolean;
  publish: { mutation: VersionMutation<number>; offered: (version: V) => boolean };
  rollback:
    | { to: "version"; mutation: VersionMutation<number>; offered: (version: V) => boolean }
    | { to: "previous"; mutation: VersionMutation<void>; offered: (versions: V[]) => boolean };
}

/** The "by" and "created" columns every versions table shows. */
export function authorColumns<V extends Version>(t: I18n["t"]): VersionColumn<V>[] {
  return [
    { header: t("rule.col.by"), cell: (v) => v.created_by },
    { header: t("rule.col.created"), cell: (v) => <Time iso={v.created_at} /> },
  ];
}

/** A document's versions, newest first (the live one marked), with publish and roll-back
 * buttons where `actions` says so, and the diff between any two (`renderDiff`). With
 * `fromNothing`, v0 stands for "nothing yet" in the diff. */
export function VersionsPanel<V extends Version, K extends QueryKey>({
  title,
  query,
  columns,
  empty,
  actions,
  fromNothing = false,
  renderDiff,
}: {
  title: string;
  query: UseQueryOptions<V[], Error, V[], K>;
  columns: VersionColumn<V>[];
  empty?: string;
  actions?: VersionActions<V>;
  fromNothing?: boolean;
  renderDiff: (from: number, to: number, versions: V[]) => ReactNode;
}) {
  const { t } = useI18n();
  const headingId = useId();
  const versions = useQuery(query);
  const role = usePrincipal().role;
  const editable = actions !== undefined && actions.allowed(role);
  const rollback = actions?.rollback;
  const failure = actions?.publish.mutation.error ?? rollback?.mutation.error;
  const heading = <h2 id={headingId}>{title}</h2>;

  return (
    <section className="card" aria-labelledby={headingId}>
      {rollback?.to === "previous" ? (
        <div className="row spread">
          {heading}
          {editable && versions.data && rollback.offered(versions.data) && (
            <ConfirmButton
              label={t("routing.rollback")}
              question={t("routing.rollbackConfirm")}
              confirm={t("rule.rollbackYes")}
              keep={t("rule.keep")}
              disabled={rollback.mutation.isPending}
              onConfirm={() => rollback.mutation.mutate()}
            />
          )}
        </div>
      ) : (
        heading
      )}
      {versions.isError && (
        <ErrorNotice error={versions.error} onRetry={() => versions.refetch()} />
      )}
      {failure != null && <ErrorNotice error={failure} />}
      {empty && versions.data?.length === 0 && <p className="muted">{empty}</p>}
      {versions.data && versions.data.length > 0 && (
        <>
          <div className="table-scroll">
            <table className="versions">
              <thead>
                <tr>
                  <th>{t("rule.col.version")}</th>
                  {columns.map((column) => (
                    <th key={column.header}>{column.header}</th>
                  ))}
                  {actions && <th>{t("rule.col.actions")}</th>}
                </tr>
              </thead>
              <tbody>
                {versions.data.map((v) => (
                  <tr key={v.version} data-version={v.version}>
                    <td>
                      v{v.version}{" "}
                      {v.live && <span className="badge badge-live">{t("rule.live")}</span>}
                    </td>
                    {columns.map((column) => (
                      <td key={column.header}>{column.cell(v)}</td>
                    ))}
                    {actions && (
                      <td>
                        {editable && actions.publish.offered(v) && (
                          <button
                            type="button"
                            disabled={actions.publish.mutation.isPending}
                            onClick={() => actions.publish.mutation.mutate(v.version)}
                          >
                            {t("rule.publish", { version: v.version })}
                          </button>
                        )}
                        {editable && rollback?.to === "version" && rollback.offered(v) && (
                          <ConfirmButton
                            label={t("rule.rollback", { version: v.version })}
                            question={t("rule.rollbackConfirm", { version: v.version })}
                            confirm={t("rule.rollbackYes")}
                            keep={t("rule.keep")}
                            disabled={rollback.mutation.isPending}
                            onConfirm={() => rollback.mutation.mutate(v.version)}
                          />
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <VersionDiff
            key={versions.data[0]?.version}
            versions={versions.data}
            fromNothing={fromNothing}
            renderDiff={renderDiff}
          />
        </>
      )}
    </section>
  );
}

function VersionDiff<V extends Version>({
  versions,
  fromNothing,
  renderDiff,
}: {
  versions: V[];
  fromNothing: boolean;
  renderDiff: (from: number, to: number, versions: V[]) => ReactNode;
}) {
  const { t } = useI18n();
  const numbers = versions.map((v) => v.version);
  const [start] = useState(() => initialDiff(numbers, fromNothing));
  const [to, setTo] = useState(start.to);
  const [from, setFrom] = useState(start.from);
  const choose = (value: number, set: (n: number) => void, label: string) => (
    <label className="field">
      <span>{label}</span>
      <select value={value} onChange={(e) => set(Number(e.target.value))}>
        {diffChoices(numbers, fromNothing).map((version) => (
          <option key={version} value={version}>
            v{version}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div className="version-diff">
      <h3>{t("rule.diff")}</h3>
      <div className="row">
        {choose(from, setFrom, t("rule.diffFrom"))}
        {choose(to, setTo, t("rule.diffTo"))}
      </div>
      {renderDiff(from, to, versions)}
    </div>
  );
}
