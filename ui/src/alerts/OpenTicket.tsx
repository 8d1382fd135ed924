import { useNavigate } from "react-router";

import { useI18n } from "../i18n/I18n";
import { canWorkTickets } from "../session/roles";
import { usePrincipal } from "../session/Session";
import { ErrorNotice } from "../shared/ErrorNotice";
import { useTicketForGroup } from "../tickets/queries";

/** "Open ticket": the group's active ticket, or a new one, then its page. */
export function OpenTicket({ groupId }: { groupId: string }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const open = useTicketForGroup(groupId);
  if (!canWorkTickets(usePrincipal().role)) return null;
  return (
    <div className="row">
      <button
        type="button"
        disabled={open.isPending}
        onClick={() =>
          open.mutate(undefined, { onSuccess: (ticket) => navigate(`/tickets/${ticket.id}`) })
        }
      >
        {t("groups.openTicket")}
      </button>
      {open.error != null && <ErrorNotice error={open.error} />}
    </div>
  );
}
