// The overview (/overview): the dashboard API for a period as numbers and charts, then the
// daily report for a chosen day. Loaded with its route only, so ECharts stays out of the
// initial bundle. The period and the day live in the URL.

import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";

import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Chart, usePalette } from "./Chart";
import { agentsOption, bucketsOption } from "./charts";
import { DailyReport } from "./DailyReport";
import { Failures, StuckTable } from "./Failures";
import { PeriodPicker } from "./PeriodPicker";
import { dayFromSearch, periodFromSearch, toSearch, type Period } from "./period";
import { dashboardQueryOptions } from "./queries";
import { Stats } from "./Stats";
import "./overview.css";

export default function OverviewPage() {
  const { t, language } = useI18n();
  const palette = usePalette();
  const [search, setSearch] = useSearchParams();
  const period = periodFromSearch(search);
  const day = dayFromSearch(search);
  const dashboard = useQuery(dashboardQueryOptions(period));

  const show = (next: Period, nextDay: string | null) => setSearch(toSearch(next, nextDay));
  const data = dashboard.data;
  const agents = data?.agents;

  return (
    <>
      <h1>{t("overview.title")}</h1>
      <PeriodPicker period={period} onChange={(next) => show(next, day)} />
      {dashboard.error && (
        <ErrorNotice error={dashboard.error} onRetry={() => void dashboard.refetch()} />
      )}
      {data === undefined ? (
        !dashboard.error && <p className="loading">{t("common.loading")}</p>
      ) : (
        <>
          <Stats dashboard={data} />
          <div className="chart-row">
            <figure className="card chart-card chart-wide">
              <figcaption>{t("overview.perBucket")}</figcaption>
              <Chart
                label={t("overview.perBucket")}
                option={bucketsOption(data.buckets, palette, language, {
                  succeeded: t("overview.succeeded"),
                  failed: t("overview.failed"),
                  bytes: t("overview.bytes"),
                })}
              />
            </figure>
            {agents && (
              <figure className="card chart-card">
                <figcaption>{t("overview.agents")}</figcaption>
                <Chart
                  label={`${t("overview.agents.online")} ${agents.online}, ${t("overview.agents.stale")} ${agents.stale}, ${t("overview.agents.offline")} ${agents.offline}`}
                  option={agentsOption(agents, palette, t)}
                />
              </figure>
            )}
          </div>
          <Failures byClass={data.failures_by_class} byRule={data.failures_by_rule} />
          <StuckTable stuck={data.stuck} />
        </>
      )}
      <DailyReport day={day} onDay={(next) => show(period, next)} />
    </>
  );
}
