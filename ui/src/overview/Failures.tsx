// Failures by error class and by rule, and the stuck tasks: shared by the period and the day.

import { Link } from "react-router";

import type { Schemas } from "../api/client";
import { formatDuration } from "../format/format";
import { useI18n } from "../i18n/I18n";
import { StatusBadge } from "../shared/StatusBadge";
import { Chart, usePalette } from "./Chart";
import { countsOption } from "./charts";

interface Props {
  byClass: Schemas["ErrorClassCount"][];
  byRule: Schemas["RuleFailureCount"][];
}

export function Failures({ byClass, byRule }: Props) {
  const { t } = useI18n();
  const palette = usePalette();
  const classes = byClass.map((row) => ({ name: row.error_class, count: row.count }));
  const rules = byRule.map((row) => ({ name: row.rule || t("overview.noRule"), count: row.count }));
  return (
    <div className="chart-row">
      <figure className="card chart-card" data-testid="failures-by-class">
        <figcaption>{t("overview.byClass")}</figcaption>
        {classes.length === 0 ? (
          <p className="muted">{t("overview.noFailures")}</p>
        ) : (
          <Chart label={summary(classes)} option={countsOption(classes, palette, palette.danger)} />
        )}
      </figure>
      <figure className="card chart-card" data-testid="failures-by-rule">
        <figcaption>{t("overview.byRule")}</figcaption>
        {rules.length === 0 ? (
          <p className="muted">{t("overview.noFailures")}</p>
        ) : (
          <Chart label={summary(rules)} option={countsOption(rules, palette, palette.warn)} />
        )}
      </figure>
    </div>
  );
}

/** A chart's text alternative: "network: 3, timeout: 1". */
export function summary(rows: { name: string; count: number }[]): string {
  return rows.map((row) => `${row.name}: ${row.count}`).join(", ");
}

export function StuckTable({ stuck }: { stuck: Schemas["StuckTasks"] }) {
  const { t } = useI18n();
  return (
    <section className="card" data-testid="stuck">
      <h2>
        {t("overview.stuck")} ({stuck.count})
      </h2>
      <p className="muted">
        {t("overview.stuckHelp", { age: formatDuration(stuck.threshold_s * 1000) })}
      </p>
      {stuck.oldest.length === 0 ? (
        <p>{t("overview.noStuck")}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th>{t("overview.col.task")}</th>
                <th>{t("overview.col.status")}</th>
                <th>{t("overview.col.path")}</th>
                <th>{t("overview.col.age")}</th>
              </tr>
            </thead>
            <tbody>
              {stuck.oldest.map((task) => (
                <tr key={task.id}>
                  <td>
                    <Link to={`/tasks/${encodeURIComponent(task.id)}`}>{task.id}</Link>
                  </td>
                  <td>
                    <StatusBadge status={task.status as Schemas["TaskStatus"]} />
                  </td>
                  <td>{task.rel_path}</td>
                  <td>{formatDuration(task.age_s * 1000)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
