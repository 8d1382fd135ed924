// The overview's chart options, built from API data, the theme's palette and the language.

import type { Schemas } from "../api/client";
import { formatSize } from "../format/format";
import type { MessageKey } from "../i18n/en";
import { axis, baseOption, type ChartOption, type Palette } from "./Chart";

type Label = (key: MessageKey) => string;

/** Succeeded and failed files per bucket (stacked bars) and the bytes uploaded (a line). */
export function bucketsOption(
  buckets: Schemas["Bucket"][],
  palette: Palette,
  language: string,
  label: { succeeded: string; failed: string; bytes: string },
): ChartOption {
  const short = new Intl.DateTimeFormat(language, {
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const times = buckets.map((b) => short.format(new Date(b.start)));
  return {
    ...baseOption(palette),
    xAxis: axis(palette, { type: "category", data: times }),
    yAxis: [
      axis(palette, { type: "value", minInterval: 1 }),
      axis(palette, {
        type: "value",
        splitLine: { show: false },
        axisLabel: { color: palette.muted, formatter: (v: number) => formatSize(v) },
      }),
    ],
    series: [
      {
        name: label.succeeded,
        type: "bar",
        stack: "files",
        data: buckets.map((b) => b.succeeded),
        color: palette.ok,
      },
      {
        name: label.failed,
        type: "bar",
        stack: "files",
        data: buckets.map((b) => b.failed),
        color: palette.danger,
      },
      {
        name: label.bytes,
        type: "line",
        yAxisIndex: 1,
        data: buckets.map((b) => b.bytes),
        color: palette.accent,
        showSymbol: false,
      },
    ],
  };
}

/** One horizontal bar per name, largest on top. */
export function countsOption(
  rows: { name: string; count: number }[],
  palette: Palette,
  colour: string,
): ChartOption {
  const ordered = [...rows].reverse();
  return {
    ...baseOption(palette),
    legend: { show: false },
    xAxis: axis(palette, { type: "value", minInterval: 1 }),
    yAxis: axis(palette, { type: "category", data: ordered.map((r) => r.name) }),
    series: [{ type: "bar", data: ordered.map((r) => r.count), color: colour }],
  };
}

/** Agents online, stale and offline as a ring. */
export function agentsOption(
  agents: Schemas["AgentCounts"],
  palette: Palette,
  t: Label,
): ChartOption {
  return {
    ...baseOption(palette),
    tooltip: { renderMode: "richText", trigger: "item" },
    series: [
      {
        type: "pie",
        radius: ["45%", "70%"],
        top: 24,
        label: { color: palette.text },
        data: [
          {
            name: t("overview.agents.online"),
            value: agents.online,
            itemStyle: { color: palette.ok },
          },
          {
            name: t("overview.agents.stale"),
            value: agents.stale,
            itemStyle: { color: palette.warn },
          },
          {
            name: t("overview.agents.offline"),
            value: agents.offline,
            itemStyle: { color: palette.neutral },
          },
        ],
      },
    ],
  };
}
