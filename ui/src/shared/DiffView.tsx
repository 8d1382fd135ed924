import { useI18n } from "../i18n/I18n";

import "./versions.css";

/** A unified diff with added and removed lines told apart (by colour and by +/-). */
export function DiffView({ diff }: { diff: string }) {
  const { t } = useI18n();
  if (diff.trim() === "") return <p className="muted">{t("rule.noDiff")}</p>;
  return (
    <pre className="diff" data-testid="diff">
      {diff
        .replace(/\n$/, "")
        .split("\n")
        .map((line, index) => (
          <span key={index} className={lineClass(line)}>
            {line}
            {"\n"}
          </span>
        ))}
    </pre>
  );
}

function lineClass(line: string): string {
  if (line.startsWith("+++") || line.startsWith("---")) return "diff-file";
  if (line.startsWith("@@")) return "diff-hunk";
  if (line.startsWith("+")) return "diff-add";
  if (line.startsWith("-")) return "diff-del";
  return "";
}
