import { useState, type FormEvent } from "react";

import { useI18n } from "../i18n/I18n";
import { LanguageSelect } from "../i18n/LanguageSelect";
import { ErrorNotice } from "../shared/ErrorNotice";
import { useSession } from "./Session";

/** Paste an API token; the API turns it into an HttpOnly session cookie. */
export function SignInPage({ ended, error }: { ended: boolean; error?: unknown }) {
  const { t } = useI18n();
  const { signIn } = useSession();
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(error);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      await signIn(token.trim());
    } catch (problem) {
      setFailure(problem);
      setBusy(false);
    }
  }

  return (
    <main id="main" className="sign-in">
      <form onSubmit={submit} className="card">
        <h1>{t("signIn.title")}</h1>
        {ended && <p className="notice">{t("signIn.ended")}</p>}
        <label className="field">
          <span>{t("signIn.token")}</span>
          <input
            type="password"
            name="token"
            autoComplete="off"
            spellCheck={false}
            required
            autoFocus
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
        </label>
        <p className="hint">{t("signIn.help")}</p>
        {failure !== undefined && <ErrorNotice error={failure} />}
        <div className="row">
          <button type="submit" className="primary" disabled={busy || !token.trim()}>
            {busy ? t("signIn.working") : t("signIn.submit")}
          </button>
          <LanguageSelect />
        </div>
      </form>
    </main>
  );
}
