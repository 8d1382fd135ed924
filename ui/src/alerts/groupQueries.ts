// Alert groups through TanStack Query: a key factory, list and detail options, and one mutation
// hook per decision (ack, unack, assign, resolve) and for "analyse". No polling here: the app's
// event stream (src/live/) invalidates these keys as groups change, and each decision refreshes
// them too; only the analysis panel polls while an analysis it asked for runs.
// No `by` is ever sent: the API names the signed-in principal.

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";
import type { Filters } from "../shared/urlView";
import { alertKeys } from "./queries";

export type AlertGroup = Schemas["AlertGroupPublic"];
export type AlertGroupDetail = Schemas["AlertGroupDetail"];
export type AlertGroupState = Schemas["AlertGroupState"];
export type AlertAnalysis = Schemas["AlertAnalysisPublic"];

/** The list's filters, in the order they appear in the URL. */
export const GROUP_FILTERS = ["status", "route", "assignee", "acked"] as const;
export type GroupFilters = Filters<(typeof GROUP_FILTERS)[number]>;

export const alertGroupKeys = {
  all: ["alert-groups"] as const,
  lists: () => [...alertGroupKeys.all, "list"] as const,
  list: (filters: GroupFilters, cursor?: string) =>
    [...alertGroupKeys.lists(), filters, cursor] as const,
  detail: (id: string) => [...alertGroupKeys.all, "detail", id] as const,
  /** Keyed by the newest analysis' id too, so a new one fetches the list again. */
  analyses: (id: string, newest: number) =>
    [...alertGroupKeys.all, "analyses", id, newest] as const,
};

/** A status the API knows; anything else in the URL is no filter, as with the task list. */
const asGroupStatus = (status?: string): "firing" | "resolved" | undefined =>
  status === "firing" || status === "resolved" ? status : undefined;

/** One keyset page (`cursor`: the previous page's `next_cursor`; none: the first). */
export const alertGroupListQuery = (filters: GroupFilters, cursor?: string) =>
  queryOptions({
    queryKey: alertGroupKeys.list(filters, cursor),
    queryFn: ({ signal }) => {
      const acked = filters.acked === "true" ? true : filters.acked === "false" ? false : undefined;
      const query = {
        status: asGroupStatus(filters.status),
        route: filters.route,
        assignee: filters.assignee,
      };
      return unwrap(
        api.GET("/api/v1/alert-groups", {
          params: { query: { ...query, acked, limit: 50, ...(cursor ? { cursor } : {}) } },
          signal,
        }),
      );
    },
  });

export const alertGroupDetailQuery = (id: string) =>
  queryOptions({
    queryKey: alertGroupKeys.detail(id),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/alert-groups/{group_id}", { params: { path: { group_id: id } }, signal }),
      ),
  });

/** The group's analyses, the newest first (at most 20). */
export const alertGroupAnalysesQuery = (id: string, newest: number) =>
  queryOptions({
    queryKey: alertGroupKeys.analyses(id, newest),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/alert-groups/{group_id}/analyses", {
          params: { path: { group_id: id } },
          signal,
        }),
      ),
  });

function useGroupMutation<A>(action: (args: A) => Promise<AlertGroupState>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: action,
    // A refusal (409) may mean the group changed meanwhile: refresh either way.
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: alertGroupKeys.all }),
        queryClient.invalidateQueries({ queryKey: alertKeys.all }), // resolve ends its alerts
      ]),
  });
}

const path = (id: string) => ({ params: { path: { group_id: id } } });

/** A decision's body without the fields that have defaults (`on_behalf_of`): the generated
 * types list them as present. Who decides is the signed-in principal, never the page. */
const decision = <T extends object>(body: Partial<T>) => body as T;

export function useAckGroup(id: string) {
  return useGroupMutation((until: string | undefined) =>
    unwrap(
      api.POST("/api/v1/alert-groups/{group_id}:ack", {
        ...path(id),
        body: decision<Schemas["AlertGroupAck"]>({ until }),
      }),
    ),
  );
}

export function useUnackGroup(id: string) {
  return useGroupMutation(() =>
    unwrap(
      api.POST("/api/v1/alert-groups/{group_id}:unack", {
        ...path(id),
        body: decision<Schemas["AlertGroupBy"]>({}),
      }),
    ),
  );
}

export function useAssignGroup(id: string) {
  return useGroupMutation((to: string) =>
    unwrap(
      api.POST("/api/v1/alert-groups/{group_id}:assign", {
        ...path(id),
        body: decision<Schemas["AlertGroupAssign"]>({ to }),
      }),
    ),
  );
}

export function useResolveGroup(id: string) {
  return useGroupMutation(() =>
    unwrap(
      api.POST("/api/v1/alert-groups/{group_id}:resolve", {
        ...path(id),
        body: decision<Schemas["AlertGroupBy"]>({}),
      }),
    ),
  );
}

/** Start an on-demand analysis (or join the running one): its result appears later as the
 * group's `analysis`, which the caller waits for. */
export function useAnalyseGroup(id: string) {
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/alert-groups/{group_id}:analyze", path(id))),
  });
}
