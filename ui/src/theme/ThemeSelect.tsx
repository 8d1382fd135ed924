import { useState } from "react";

import { useI18n } from "../i18n/I18n";
import { THEMES, type Theme, applyTheme, storedTheme } from "./theme";

export function ThemeSelect() {
  const { t } = useI18n();
  const [theme, setTheme] = useState<Theme>(storedTheme);
  return (
    <label className="compact-field">
      <span>{t("shell.theme")}</span>
      <select
        value={theme}
        onChange={(event) => {
          const next = event.target.value as Theme;
          applyTheme(next);
          setTheme(next);
        }}
      >
        {THEMES.map((name) => (
          <option key={name} value={name}>
            {t(`theme.${name}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
