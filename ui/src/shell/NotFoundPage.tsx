import { Link, useLocation } from "react-router";

import { useI18n } from "../i18n/I18n";

export function NotFoundPage() {
  const { t } = useI18n();
  const { pathname } = useLocation();
  return (
    <section>
      <h1>{t("notFound.title")}</h1>
      <p>{t("notFound.body", { path: pathname })}</p>
      <Link to="/tasks">{t("notFound.back")}</Link>
    </section>
  );
}
