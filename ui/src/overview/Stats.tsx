// The period's headline numbers as cards (each carries a test id the browser test reads).

import type { Schemas } from "../api/client";
import { formatDuration, formatSize } from "../format/format";
import { useI18n } from "../i18n/I18n";

type Dashboard = Schemas["Dashboard"];

export function percent(rate: number | null | undefined, language: string): string {
  if (rate === null || rate === undefined) return "–";
  return new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1 }).format(
    rate,
  );
}

export function seconds(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : formatDuration(value * 1000);
}

function Stat({
  id,
  label,
  value,
  detail,
}: {
  id: string;
  label: string;
  value: string;
  detail?: string;
}) {
  return (
    <div className="stat card" data-testid={`stat-${id}`}>
      <span className="stat-label">{label}</span>
      <strong className="stat-value">{value}</strong>
      {detail && <span className="stat-detail">{detail}</span>}
    </div>
  );
}

export function Stats({ dashboard }: { dashboard: Dashboard }) {
  const { t, language } = useI18n();
  const { totals, throughput, dwell, agents, stuck } = dashboard;
  const count = (n: number) => new Intl.NumberFormat(language).format(n);
  return (
    <section className="stats" aria-label={t("overview.title")}>
      <Stat
        id="files"
        label={t("overview.files")}
        value={count(totals.files)}
        detail={`${t("overview.succeeded")} ${count(totals.succeeded)} · ${t("overview.failed")} ${count(totals.failed)} · ${t("overview.inProgress")} ${count(totals.in_progress)}`}
      />
      <Stat
        id="success-rate"
        label={t("overview.successRate")}
        value={percent(totals.success_rate, language)}
      />
      <Stat id="bytes" label={t("overview.bytes")} value={formatSize(totals.bytes)} />
      <Stat
        id="throughput"
        label={t("overview.throughput")}
        value={t("overview.perHour", { count: throughput.files_per_hour.toFixed(1) })}
        detail={t("overview.perSecond", {
          size: formatSize(Math.round(throughput.bytes_per_second)),
        })}
      />
      <Stat
        id="dwell"
        label={t("overview.dwell")}
        value={`${seconds(dwell.p50_s)} / ${seconds(dwell.p95_s)}`}
      />
      <Stat
        id="agents"
        label={t("overview.agents")}
        value={`${count(agents.online)} / ${count(agents.total)}`}
        detail={`${t("overview.agents.online")} ${agents.online} · ${t("overview.agents.stale")} ${agents.stale} · ${t("overview.agents.offline")} ${agents.offline}`}
      />
      <Stat id="stuck" label={t("overview.stuck")} value={count(stuck.count)} />
    </section>
  );
}
