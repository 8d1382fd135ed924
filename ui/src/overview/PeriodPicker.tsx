import { useState, type FormEvent } from "react";

import { useI18n } from "../i18n/I18n";
import { PERIODS, isoToLocalInput, localInputToIso, type Period } from "./period";

/** 1h / 24h / 7d, or a custom range entered in the browser's time zone. */
export function PeriodPicker({
  period,
  onChange,
}: {
  period: Period;
  onChange: (p: Period) => void;
}) {
  const { t } = useI18n();
  const [custom, setCustom] = useState(period.kind === "custom");
  const now = Date.now();
  const [from, setFrom] = useState(
    isoToLocalInput(
      period.kind === "custom" ? period.from : new Date(now - 86_400_000).toISOString(),
    ),
  );
  const [to, setTo] = useState(
    isoToLocalInput(period.kind === "custom" ? period.to : new Date(now).toISOString()),
  );

  const apply = (event: FormEvent) => {
    event.preventDefault();
    onChange({ kind: "custom", from: localInputToIso(from), to: localInputToIso(to) });
  };

  return (
    <form className="period-picker" onSubmit={apply}>
      <fieldset>
        <legend>{t("overview.period")}</legend>
        {PERIODS.map((preset) => (
          <button
            key={preset}
            type="button"
            aria-pressed={!custom && period.kind === preset}
            onClick={() => {
              setCustom(false);
              onChange({ kind: preset });
            }}
          >
            {t(`overview.period.${preset}`)}
          </button>
        ))}
        <button type="button" aria-pressed={custom} onClick={() => setCustom(true)}>
          {t("overview.period.custom")}
        </button>
      </fieldset>
      {custom && (
        <div className="period-range">
          <label>
            {t("overview.from")}
            <input
              type="datetime-local"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              required
            />
          </label>
          <label>
            {t("overview.to")}
            <input
              type="datetime-local"
              value={to}
              onChange={(e) => setTo(e.target.value)}
              required
            />
          </label>
          <button type="submit" className="primary">
            {t("overview.apply")}
          </button>
        </div>
      )}
    </form>
  );
}
