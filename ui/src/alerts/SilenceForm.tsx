import { useState, type FormEvent } from "react";

import { useI18n } from "../i18n/I18n";
import { ErrorNotice } from "../shared/ErrorNotice";
import { useCreateSilence, useSilenceAlert } from "./queries";
import { DURATIONS, EMPTY_FORM, silenceRequest, type SilenceForm } from "./silences";

/** Create a silence: matchers and weekly windows one a line, a duration, a comment, options. */
export function SilenceFormCard() {
  const { t } = useI18n();
  const create = useCreateSilence();
  const [form, setForm] = useState<SilenceForm>(EMPTY_FORM);
  const set = <K extends keyof SilenceForm>(key: K, value: SilenceForm[K]) =>
    setForm({ ...form, [key]: value });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(silenceRequest(form), { onSuccess: () => setForm(EMPTY_FORM) });
  };
  return (
    <section className="card" aria-labelledby="silence-new">
      <h2 id="silence-new">{t("silences.new")}</h2>
      <form onSubmit={onSubmit}>
        <div className="row">
          <label className="field field-wide">
            <span>{t("silences.matchers")}</span>
            <textarea
              rows={3}
              required
              value={form.matchers}
              placeholder={'alertname="DiskFull"\ninstance=~db-.*'}
              onChange={(e) => set("matchers", e.target.value)}
            />
          </label>
          <label className="field field-wide">
            <span>{t("silences.windows")}</span>
            <textarea
              rows={3}
              value={form.windows}
              placeholder="Sat-Sun 02:00-04:00"
              onChange={(e) => set("windows", e.target.value)}
            />
          </label>
        </div>
        <div className="row">
          <DurationField value={form.duration} onChange={(v) => set("duration", v)} />
          <label className="field">
            <span>{t("silences.timezone")}</span>
            <input value={form.timezone} onChange={(e) => set("timezone", e.target.value)} />
          </label>
          <label className="field field-wide">
            <span>{t("silences.comment")}</span>
            <input
              required
              value={form.comment}
              maxLength={2000}
              onChange={(e) => set("comment", e.target.value)}
            />
          </label>
        </div>
        <div className="row">
          <label className="check">
            <input
              type="checkbox"
              checked={form.notifyResolved}
              onChange={(e) => set("notifyResolved", e.target.checked)}
            />
            {t("silences.notifyResolved")}
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={form.notifyOnExpiry}
              onChange={(e) => set("notifyOnExpiry", e.target.checked)}
            />
            {t("silences.notifyOnExpiry")}
          </label>
          <button type="submit" className="primary" disabled={create.isPending}>
            {t("silences.create")}
          </button>
          {create.isSuccess && (
            <span role="status">{t("silences.created", { id: create.data.id })}</span>
          )}
        </div>
      </form>
      {create.error && <ErrorNotice error={create.error} />}
    </section>
  );
}

function DurationField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const { t } = useI18n();
  return (
    <label className="field">
      <span>{t("silences.duration")}</span>
      <input
        list="silence-durations"
        required
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      <datalist id="silence-durations">
        {DURATIONS.map((d) => (
          <option key={d} value={d} />
        ))}
      </datalist>
    </label>
  );
}

/** "Silence" on an alert: equality matchers on its labels (all, or the ones ticked). */
export function SilenceAlertButton({
  fingerprint,
  labels,
}: {
  fingerprint: string;
  labels: Record<string, unknown>;
}) {
  const { t } = useI18n();
  const silence = useSilenceAlert();
  const [open, setOpen] = useState(false);
  const names = Object.keys(labels).sort();
  const [chosen, setChosen] = useState<string[]>(names);
  const [duration, setDuration] = useState("2h");
  const [comment, setComment] = useState("");
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        {t("silences.silenceAlert")}
      </button>
    );
  }
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    silence.mutate({
      fingerprint,
      body: { labels: chosen, duration, comment, notify_resolved: false, notify_on_expiry: false },
    });
  };
  return (
    <form className="card" onSubmit={onSubmit}>
      <fieldset>
        <legend>{t("silences.onLabels")}</legend>
        {names.map((name) => (
          <label key={name} className="check">
            <input
              type="checkbox"
              checked={chosen.includes(name)}
              onChange={(e) =>
                setChosen(e.target.checked ? [...chosen, name] : chosen.filter((n) => n !== name))
              }
            />
            <code>
              {name}={String(labels[name])}
            </code>
          </label>
        ))}
      </fieldset>
      <div className="row">
        <DurationField value={duration} onChange={setDuration} />
        <label className="field field-wide">
          <span>{t("silences.comment")}</span>
          <input required value={comment} onChange={(e) => setComment(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={silence.isPending || !chosen.length}>
          {t("silences.create")}
        </button>
      </div>
      {silence.isSuccess && <p role="status">{t("silences.created", { id: silence.data.id })}</p>}
      {silence.error && <ErrorNotice error={silence.error} />}
    </form>
  );
}
