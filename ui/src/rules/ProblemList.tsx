import { useI18n } from "../i18n/I18n";
import type { LineProblem } from "./problems";

/** The validation problems as text too, each with its line (the editor marks the same lines). */
export function ProblemList({ problems }: { problems: LineProblem[] }) {
  const { t } = useI18n();
  if (problems.length === 0) return null;
  return (
    <div className="notice notice-error" role="alert">
      <strong>{t("rule.invalid")}</strong>
      <ul className="problems">
        {problems.map((problem, index) => (
          <li key={index} data-line={problem.line}>
            {t("rule.atLine", { line: problem.line })} {problem.path && <code>{problem.path}</code>}{" "}
            {problem.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
