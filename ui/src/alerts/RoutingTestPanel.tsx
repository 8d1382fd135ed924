import { useState, type FormEvent } from "react";

import { useI18n } from "../i18n/I18n";
import { ProblemList } from "../rules/ProblemList";
import { ErrorNotice } from "../shared/ErrorNotice";
import { useTestRouting, type RoutingTestResult } from "./queries";
import { parseLabels, RoutingInvalid } from "./routing";

/** Labels in, routes out: which routes would take an alert, its group, and what mutes it,
 * under the live document or the editor's draft. */
export function RoutingTestPanel({ draft }: { draft?: string }) {
  const { t } = useI18n();
  const test = useTestRouting();
  const [labels, setLabels] = useState("alertname=Down\nseverity=critical");
  const [useDraft, setUseDraft] = useState(false);
  const [bad, setBad] = useState<string[]>([]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseLabels(labels);
    setBad(parsed.errors);
    if (parsed.errors.length > 0) return;
    test.mutate({ labels: parsed.labels, text: useDraft && draft ? draft : null });
  };
  const invalid = test.error instanceof RoutingInvalid ? test.error : undefined;
  return (
    <section className="card" aria-labelledby="routing-test">
      <h2 id="routing-test">{t("routingTest.title")}</h2>
      <form onSubmit={onSubmit}>
        <label className="field">
          <span>{t("routingTest.labels")}</span>
          <textarea rows={4} value={labels} onChange={(e) => setLabels(e.target.value)} />
        </label>
        <div className="row">
          <label className="check">
            <input
              type="checkbox"
              checked={useDraft}
              onChange={(e) => setUseDraft(e.target.checked)}
            />{" "}
            {t("routingTest.useDraft")}
          </label>
          <button type="submit" disabled={test.isPending}>
            {t("ruleTest.submit")}
          </button>
        </div>
      </form>
      {bad.length > 0 && (
        <p className="notice notice-error" role="alert">
          {t("routingTest.badLabels", { lines: bad.join(", ") })}
        </p>
      )}
      {invalid && <ProblemList problems={invalid.problems} />}
      {test.error && !invalid && <ErrorNotice error={test.error} />}
      {test.data && <TestResult result={test.data} />}
    </section>
  );
}

function TestResult({ result }: { result: RoutingTestResult }) {
  const { t } = useI18n();
  const yes = t("rules.yes");
  const no = t("rules.no");
  return (
    <div data-testid="routing-test-result" role="status">
      <p>
        {result.version === null
          ? t("routingTest.draft")
          : t("routingTest.version", { version: result.version })}{" "}
        {result.default && <strong>{t("routingTest.default")}</strong>}
      </p>
      {result.silenced_by.length > 0 && (
        <p className="notice notice-muted">
          {t("routingTest.silenced", { ids: result.silenced_by.map((id) => `#${id}`).join(", ") })}
        </p>
      )}
      {result.inhibited_by && (
        <p className="notice notice-muted">
          {t("routingTest.inhibited", { rule: result.inhibited_by })}
        </p>
      )}
      <div className="table-scroll">
        <table className="routes-taken">
          <thead>
            <tr>
              <th>{t("routingTest.col.route")}</th>
              <th>{t("routingTest.col.channels")}</th>
              <th>{t("routingTest.col.group")}</th>
              <th>{t("routingTest.col.escalation")}</th>
              <th>{t("routingTest.col.active")}</th>
              <th>{t("routingTest.col.resolved")}</th>
              <th>{t("routingTest.col.continue")}</th>
            </tr>
          </thead>
          <tbody>
            {result.routes.map((route) => (
              <tr key={route.name} data-route={route.name}>
                <td>{route.name}</td>
                <td>{route.channels.join(", ") || "—"}</td>
                <td>
                  <code title={route.group_id}>
                    {Object.entries(route.group_labels)
                      .map(([k, v]) => `${k}=${v}`)
                      .join(", ") || "—"}
                  </code>
                  <div className="muted">
                    {t("routingTest.groupBy", { labels: route.group_by.join(", ") })}
                  </div>
                </td>
                <td>{route.escalation ?? "—"}</td>
                <td>{route.active_now ? yes : no}</td>
                <td>{route.send_resolved ? yes : no}</td>
                <td>{route.continue ? yes : no}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {result.routes.map(
        (route) =>
          route.preview && (
            <TemplatePreview key={route.name} route={route.name} preview={route.preview} />
          ),
      )}
    </div>
  );
}

type Preview = NonNullable<RoutingTestResult["routes"][number]["preview"]>;

/** What the route's own template makes of one firing alert with the labels tried. */
function TemplatePreview({ route, preview }: { route: string; preview: Preview }) {
  const { t } = useI18n();
  const builtIn = t("routingTest.previewBuiltIn");
  return (
    <div className="template-preview" data-preview={route}>
      <p>{t("routingTest.preview", { route, template: preview.template })}</p>
      {preview.error ? (
        <p className="notice notice-error">
          {t("routingTest.previewFails", { template: preview.template, error: preview.error })}
        </p>
      ) : (
        <>
          <p>
            <strong>{preview.title || builtIn}</strong>
          </p>
          <pre>{preview.text || builtIn}</pre>
        </>
      )}
    </div>
  );
}
