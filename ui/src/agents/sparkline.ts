// Sparkline geometry and ratios as the resources panel shows them (no chart library).

/** An SVG polyline's points for `values` in a `width` × `height` box, scaled to `max` (or
 * to the largest value); "" with fewer than two values. */
export function sparkPoints(values: number[], width: number, height: number, max?: number): string {
  if (values.length < 2) return "";
  const top = max ?? Math.max(...values, 1e-9);
  const step = width / (values.length - 1);
  return values
    .map((value, i) => {
      const y = height - (Math.min(Math.max(value, 0), top) / top) * height;
      return `${(i * step).toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
}

export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)}%`;
}
