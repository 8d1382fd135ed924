// The block every YAML editor page repeats: the editor with problems marked at their lines,
// the problem list, error notices, and (for those who may edit) the Save row.

import type { ReactNode } from "react";

import { ProblemList } from "../rules/ProblemList";
import type { LineProblem } from "../rules/problems";
import { YamlEditor } from "../rules/YamlEditor";
import { ErrorNotice } from "./ErrorNotice";

export function YamlSaveBlock({
  initial,
  onChange,
  problems,
  label,
  editable,
  errors,
  saveLabel,
  saving,
  onSave,
  beforeSave,
  afterSave,
}: {
  initial: string;
  onChange: (text: string) => void;
  problems: LineProblem[];
  /** The editor's accessible name. */
  label: string;
  /** False: the editor is read-only and there is no Save row. */
  editable: boolean;
  /** Failures to show, in order; undefined and null ones are not shown. */
  errors: unknown[];
  saveLabel: string;
  saving: boolean;
  onSave: () => void;
  /** Shown in the Save row before the button (e.g. a comment field)… */
  beforeSave?: ReactNode;
  /** … and after it (e.g. "saved as version n"). */
  afterSave?: ReactNode;
}) {
  return (
    <>
      <YamlEditor
        initial={initial}
        onChange={onChange}
        problems={problems}
        readOnly={!editable}
        label={label}
      />
      <ProblemList problems={problems} />
      {errors.map(
        (error, index) =>
          error !== undefined && error !== null && <ErrorNotice key={index} error={error} />,
      )}
      {editable && (
        <div className="row">
          {beforeSave}
          <button type="button" className="primary" disabled={saving} onClick={onSave}>
            {saveLabel}
          </button>
          {afterSave}
        </div>
      )}
    </>
  );
}
