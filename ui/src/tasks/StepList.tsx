import type { Schemas } from "../api/client";
import { formatDuration } from "../format/format";
import { useI18n } from "../i18n/I18n";
import { StatusBadge } from "../shared/StatusBadge";
import { Time } from "../shared/Time";

type Step = Schemas["StepPublic"];

/** Each step of a task with every attempt it made, as recorded. */
export function StepList({ steps }: { steps: Step[] }) {
  const { t } = useI18n();
  if (steps.length === 0) return <p className="empty">{t("task.noSteps")}</p>;
  return (
    <ol className="steps">
      {steps.map((step) => (
        <li key={step.name} className="step" data-step={step.name}>
          <div className="step-head">
            <h3>
              {step.name}
              {step.step_type !== step.name && <span className="muted"> ({step.step_type})</span>}
            </h3>
            <StatusBadge status={step.status} />
            <span className="muted">{t("task.attempts", { count: step.attempts })}</span>
            <span className="muted">{formatDuration(step.duration_ms)}</span>
          </div>
          {step.error && (
            <p className="error-line">
              {step.error_class && `${step.error_class}: `}
              {step.error}
            </p>
          )}
          {step.attempt_history.length > 0 && <Attempts attempts={step.attempt_history} />}
        </li>
      ))}
    </ol>
  );
}

function Attempts({ attempts }: { attempts: Schemas["AttemptPublic"][] }) {
  const { t } = useI18n();
  return (
    <div className="table-scroll">
      <table className="attempts">
        <thead>
          <tr>
            <th scope="col" className="num">
              {t("task.col.attempt")}
            </th>
            <th scope="col">{t("task.col.status")}</th>
            <th scope="col">{t("task.col.errorClass")}</th>
            <th scope="col" className="num">
              {t("task.col.duration")}
            </th>
            <th scope="col">{t("task.col.message")}</th>
            <th scope="col" className="optional">
              {t("task.col.recorded")}
            </th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((attempt, index) => (
            <tr key={`${attempt.attempt}-${index}`}>
              <td className="num">{attempt.attempt}</td>
              <td>
                <StatusBadge status={attempt.status} />
              </td>
              <td>{attempt.error_class}</td>
              <td className="num">{formatDuration(attempt.duration_ms)}</td>
              <td className="message">{attempt.error}</td>
              <td className="optional">
                <Time iso={attempt.recorded_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
