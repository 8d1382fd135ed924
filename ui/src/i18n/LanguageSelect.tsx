import { useI18n } from "./I18n";
import { LANGUAGES, isLanguage } from "./messages";

export function LanguageSelect() {
  const { language, setLanguage, t } = useI18n();
  return (
    <label className="compact-field">
      <span>{t("shell.language")}</span>
      <select
        value={language}
        onChange={(event) => {
          if (isLanguage(event.target.value)) setLanguage(event.target.value);
        }}
      >
        {Object.entries(LANGUAGES).map(([code, name]) => (
          <option key={code} value={code} lang={code}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
