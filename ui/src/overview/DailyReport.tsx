// One day's report (GET /api/v1/reports/daily): volume, failure rate, sizes, failures, stuck.
// The day is counted in the API's report time zone, which is shown.

import { useQuery } from "@tanstack/react-query";

import { formatSize } from "../format/format";
import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Chart, usePalette } from "./Chart";
import { countsOption } from "./charts";
import { Failures, summary } from "./Failures";
import { dailyReportQuery } from "./queries";
import { percent } from "./Stats";

export function DailyReport({
  day,
  onDay,
}: {
  day: string | null;
  onDay: (day: string | null) => void;
}) {
  const { t, language } = useI18n();
  const palette = usePalette();
  const report = useQuery(dailyReportQuery(day));
  const data = report.data;
  const sizes = data?.sizes.map((size) => ({ name: size.label, count: size.files })) ?? [];

  return (
    <section className="daily-report" data-testid="daily-report">
      <h2>{t("overview.daily")}</h2>
      <label className="daily-day">
        {t("overview.day")}
        <input
          type="date"
          value={day ?? data?.date ?? ""}
          onChange={(e) => onDay(e.target.value || null)}
        />
      </label>
      {data && <p className="muted">{t("overview.timeZone", { zone: data.time_zone })}</p>}
      {report.error && <ErrorNotice error={report.error} onRetry={() => void report.refetch()} />}
      {data && (
        <>
          <dl className="report-totals">
            <div data-testid="daily-files">
              <dt>{t("overview.files")}</dt>
              <dd>{data.totals.files}</dd>
            </div>
            <div data-testid="daily-succeeded">
              <dt>{t("overview.succeeded")}</dt>
              <dd>{data.totals.succeeded}</dd>
            </div>
            <div data-testid="daily-failed">
              <dt>{t("overview.failed")}</dt>
              <dd>{data.totals.failed}</dd>
            </div>
            <div data-testid="daily-failure-rate">
              <dt>{t("overview.failureRate")}</dt>
              <dd>{percent(data.failure_rate, language)}</dd>
            </div>
            <div data-testid="daily-bytes">
              <dt>{t("overview.bytes")}</dt>
              <dd>{formatSize(data.totals.bytes)}</dd>
            </div>
            <div data-testid="daily-stuck">
              <dt>{t("overview.stuck")}</dt>
              <dd>{data.stuck.count}</dd>
            </div>
          </dl>
          <div className="chart-row">
            <figure className="card chart-card">
              <figcaption>{t("overview.sizes")}</figcaption>
              <Chart label={summary(sizes)} option={countsOption(sizes, palette, palette.accent)} />
            </figure>
          </div>
          <Failures byClass={data.failures_by_class} byRule={data.failures_by_rule} />
        </>
      )}
    </section>
  );
}
