import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { roleValues } from "../api/schema";
import type { Schemas } from "../api/client";
import { useI18n } from "../i18n/I18n";
import { isAdmin } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ConfirmButton } from "../shared/ConfirmButton";
import { ErrorNotice } from "../shared/ErrorNotice";
import { Time } from "../shared/Time";
import { tokenListQuery, useCreateToken, useRevokeToken, type Token } from "./queries";

type Role = Schemas["Role"];

/** API tokens (admin): issue one with a role (its secret shown once), list, revoke. */
export function TokensPage() {
  const { t } = useI18n();
  const admin = isAdmin(usePrincipal().role);
  const tokens = useQuery({ ...tokenListQuery(), enabled: admin });
  if (!admin) return <p className="notice">{t("tokens.adminOnly")}</p>;
  return (
    <section>
      <div className="page-title">
        <h1>{t("tokens.title")}</h1>
      </div>
      <CreateToken />
      {tokens.isPending && <p className="muted">{t("common.loading")}</p>}
      {tokens.isError && <ErrorNotice error={tokens.error} onRetry={() => tokens.refetch()} />}
      {tokens.data && (
        <div className="table-scroll">
          <table className="tokens stacked">
            <thead>
              <tr>
                <th scope="col">{t("tokens.col.name")}</th>
                <th scope="col">{t("tokens.col.role")}</th>
                <th scope="col">{t("tokens.col.created")}</th>
                <th scope="col" className="optional">
                  {t("tokens.col.lastUsed")}
                </th>
                <th scope="col">{t("tokens.col.state")}</th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => (
                <TokenRow key={token.id} token={token} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function TokenRow({ token }: { token: Token }) {
  const { t } = useI18n();
  const revoke = useRevokeToken();
  return (
    <tr data-token={token.name}>
      <td className="file">{token.name}</td>
      <td>{t(`role.${token.role}`)}</td>
      <td>
        <Time iso={token.created_at} />
      </td>
      <td className="optional">
        {token.last_used_at ? <Time iso={token.last_used_at} /> : t("tokens.never")}
      </td>
      <td>
        {token.revoked_at ? (
          <span className="muted">
            {t("tokens.revoked")} <Time iso={token.revoked_at} />
          </span>
        ) : (
          <ConfirmButton
            label={t("tokens.revoke")}
            question={t("tokens.revokeConfirm", { name: token.name })}
            confirm={t("tokens.revokeYes")}
            keep={t("tokens.keep")}
            disabled={revoke.isPending}
            onConfirm={() => revoke.mutate(token.id)}
          />
        )}
        {revoke.error && <ErrorNotice error={revoke.error} />}
      </td>
    </tr>
  );
}

function CreateToken() {
  const { t } = useI18n();
  const create = useCreateToken();
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name: name.trim(), role }, { onSuccess: () => setName("") });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label={t("tokens.create")}>
      <label className="field">
        {t("tokens.col.name")}
        <input required value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <label className="field">
        {t("tokens.col.role")}
        <select value={role} onChange={(event) => setRole(event.target.value as Role)}>
          {roleValues.map((value) => (
            <option key={value} value={value}>
              {t(`role.${value}`)}
            </option>
          ))}
        </select>
      </label>
      <div className="filter-actions">
        <button type="submit" className="primary" disabled={create.isPending}>
          {t("tokens.create")}
        </button>
      </div>
      {create.error && <ErrorNotice error={create.error} />}
      {create.data && <NewSecret name={create.data.name} secret={create.data.token} />}
    </form>
  );
}

/** The new token's secret: shown this once (the API keeps only its hash), with a copy button. */
function NewSecret({ name, secret }: { name: string; secret: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<boolean>();
  const copy = () =>
    navigator.clipboard.writeText(secret).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  return (
    <div className="notice new-secret" role="status" data-testid="new-token">
      <strong>{t("tokens.createdTitle", { name })}</strong>
      <span>{t("tokens.onceWarning")}</span>
      <input
        readOnly
        className="secret"
        value={secret}
        aria-label={t("tokens.secret")}
        onFocus={(event) => event.target.select()}
      />
      <button type="button" onClick={copy}>
        {t("tokens.copy")}
      </button>
      {copied === true && <span>{t("tokens.copied")}</span>}
      {copied === false && <span>{t("tokens.copyFailed")}</span>}
    </div>
  );
}
