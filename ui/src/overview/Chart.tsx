// One ECharts chart, with only the pieces the overview uses registered (echarts/core keeps
// the rest out of the bundle, and this module loads with the overview's route only).
// Colours come from the page's CSS variables, so charts follow light and dark; tooltips are
// drawn on the canvas (richText), as the Content-Security-Policy forbids inline styles.

import { BarChart, LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef, useState } from "react";

echarts.use([
  BarChart,
  LineChart,
  PieChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  CanvasRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

export interface Palette {
  text: string;
  muted: string;
  border: string;
  ok: string;
  danger: string;
  warn: string;
  accent: string;
  neutral: string;
}

function readPalette(): Palette {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string) => style.getPropertyValue(`--${name}`).trim();
  return {
    text: v("text"),
    muted: v("muted"),
    border: v("border"),
    ok: v("ok"),
    danger: v("danger"),
    warn: v("warn"),
    accent: v("accent"),
    neutral: v("neutral"),
  };
}

/** The theme's colours, read again whenever the theme (picked or the system's) changes. */
export function usePalette(): Palette {
  const [palette, setPalette] = useState(readPalette);
  useEffect(() => {
    const update = () => setPalette(readPalette());
    const observer = new MutationObserver(update);
    observer.observe(document.documentElement, { attributeFilter: ["data-theme"] });
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    media.addEventListener("change", update);
    return () => {
      observer.disconnect();
      media.removeEventListener("change", update);
    };
  }, []);
  return palette;
}

/** Legend, tooltip and grid styling shared by every chart. */
export function baseOption(palette: Palette): ChartOption {
  return {
    backgroundColor: "transparent",
    textStyle: { color: palette.text, fontFamily: "inherit" },
    legend: { textStyle: { color: palette.text }, top: 0 },
    tooltip: { renderMode: "richText", trigger: "axis" },
    grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
  };
}

/** An axis in the theme's colours. */
export function axis(palette: Palette, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    axisLine: { lineStyle: { color: palette.border } },
    axisLabel: { color: palette.muted },
    splitLine: { lineStyle: { color: palette.border } },
    ...extra,
  };
}

export function Chart({
  option,
  label,
  height = 260,
}: {
  option: ChartOption;
  label: string;
  height?: number;
}) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts>(null);

  useEffect(() => {
    if (element.current === null) return;
    const instance = echarts.init(element.current);
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={element} className="chart" role="img" aria-label={label} style={{ height }} />;
}
