// One fact of a detail page's `<dl className="facts">`: its term and value in one grid cell
// (a bare dt/dd pair takes two cells and pushes every later fact out of line). `wide` facts
// (labels, lists) take a row of their own.
import type { ReactNode } from "react";

export function Fact({
  label,
  children,
  testId,
  wide = false,
}: {
  label: string;
  children?: ReactNode;
  testId?: string;
  wide?: boolean;
}) {
  const empty = children === undefined || children === null || children === "";
  return (
    <div className={wide ? "fact-wide" : undefined}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{empty ? "—" : children}</dd>
    </div>
  );
}
