// Tickets through TanStack Query: a key factory, list (keyset pages) and detail options, and one
// mutation hook each for a move (ack, start, resolve, close, reopen), assign, comment and
// create. No polling: every mutation refreshes the tickets' keys (and the groups', which an ack
// or resolve reaches). No `by` is ever sent: the API names the signed-in principal.

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";
import { alertGroupKeys } from "../alerts/groupQueries";
import type { Filters } from "../shared/urlView";
import type { Priority, TicketMove, TicketStatus } from "./moves";

export type Ticket = Schemas["TicketPublic"];
export type TicketDetail = Schemas["TicketDetail"];
/** The list's filters, in the order they appear in the URL. */
export const TICKET_FILTERS = ["status", "priority", "assignee"] as const;
export type TicketFilters = Filters<(typeof TICKET_FILTERS)[number]>;

export const ticketKeys = {
  all: ["tickets"] as const,
  lists: () => [...ticketKeys.all, "list"] as const,
  list: (filters: TicketFilters, cursor?: string) =>
    [...ticketKeys.lists(), filters, cursor] as const,
  detail: (id: string) => [...ticketKeys.all, "detail", id] as const,
};

/** One keyset page (`cursor`: the previous page's `next_cursor`; none: the first). */
export const ticketListQuery = (filters: TicketFilters, cursor?: string, limit = 50) =>
  queryOptions({
    queryKey: [...ticketKeys.list(filters, cursor), limit],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/tickets", {
          params: {
            query: {
              status: filters.status as TicketStatus | undefined,
              priority: filters.priority as Priority | undefined,
              assignee: filters.assignee,
              limit,
              ...(cursor ? { cursor } : {}),
            },
          },
          signal,
        }),
      ),
  });

const path = (id: string) => ({ params: { path: { ticket_id: id } } });

export const ticketDetailQuery = (id: string) =>
  queryOptions({
    queryKey: ticketKeys.detail(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/tickets/{ticket_id}", { ...path(id), signal })),
  });

function useTicketMutation<A, R>(action: (args: A) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: action,
    // A refusal (409) may mean the ticket changed meanwhile: refresh either way.
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ticketKeys.all }),
        queryClient.invalidateQueries({ queryKey: alertGroupKeys.all }),
      ]),
  });
}

const MOVE_PATHS = {
  ack: "/api/v1/tickets/{ticket_id}:ack",
  start: "/api/v1/tickets/{ticket_id}:start",
  resolve: "/api/v1/tickets/{ticket_id}:resolve",
  close: "/api/v1/tickets/{ticket_id}:close",
  reopen: "/api/v1/tickets/{ticket_id}:reopen",
} as const;

/** Any move on any ticket (the board moves many tickets with one hook). */
export function useMoveTicket() {
  return useTicketMutation(({ id, move }: { id: string; move: TicketMove }) =>
    unwrap(api.POST(MOVE_PATHS[move], path(id))),
  );
}

export function useAssignTicket(id: string) {
  return useTicketMutation((to: string) =>
    unwrap(api.POST("/api/v1/tickets/{ticket_id}:assign", { ...path(id), body: { to } })),
  );
}

export function useCommentTicket(id: string) {
  return useTicketMutation((body: string) =>
    unwrap(api.POST("/api/v1/tickets/{ticket_id}/comments", { ...path(id), body: { body } })),
  );
}

export function useCreateTicket() {
  return useTicketMutation((body: { title: string; priority?: Priority }) =>
    unwrap(api.POST("/api/v1/tickets", { body: body as Schemas["TicketCreate"] })),
  );
}

/** The group's active ticket, or a new one (the API answers either). */
export function useTicketForGroup(groupId: string) {
  return useTicketMutation(() =>
    unwrap(
      api.POST("/api/v1/alert-groups/{group_id}:ticket", {
        params: { path: { group_id: groupId } },
        body: {} as Schemas["TicketFromGroup"],
      }),
    ),
  );
}
