import { useRef, type ReactNode } from "react";

/** A button that asks first, in a modal <dialog> (focus moves to its first button, "keep"; Esc
 * keeps things as they are too), and calls `onConfirm` only on the explicit yes. */
export function ConfirmButton({
  label,
  question,
  confirm,
  keep,
  disabled,
  onConfirm,
}: {
  label: ReactNode;
  question: string;
  confirm: string;
  keep: string;
  disabled?: boolean;
  onConfirm: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button
        type="button"
        className="danger"
        disabled={disabled}
        onClick={() => dialog.current?.showModal()}
      >
        {label}
      </button>
      <dialog ref={dialog} className="confirm">
        <form method="dialog">
          <p>{question}</p>
          <div className="row">
            <button value="keep">{keep}</button>
            <button value="confirm" className="danger" onClick={onConfirm}>
              {confirm}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
