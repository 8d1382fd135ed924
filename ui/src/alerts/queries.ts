// The alert routing document and silences through TanStack Query: key factories, query options
// and one mutation hook per action, each refreshing what it changes.

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";
import { ApiError } from "../api/errors";
import { RoutingInvalid } from "./routing";

export type RoutingVersion = Schemas["RoutingVersionPublic"];
export type RoutingVersionText = Schemas["RoutingVersionText"];
export type RoutingTestResult = Schemas["RoutingTestResult"];
export type Silence = Schemas["SilencePublic"];
export type SilenceCreate = Schemas["SilenceCreate"];
export type SilenceState = Silence["state"];

export const routingKeys = {
  all: ["alert-routing"] as const,
  live: () => [...routingKeys.all, "live"] as const,
  versions: () => [...routingKeys.all, "versions"] as const,
  version: (version: number) => [...routingKeys.all, "version", version] as const,
};

export const liveRoutingQuery = () =>
  queryOptions({
    queryKey: routingKeys.live(),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alert-routing", { signal })),
    // The editor starts from the live text: no refetch on focus may swap it under an edit.
    staleTime: Infinity,
  });

export const routingVersionsQuery = () =>
  queryOptions({
    queryKey: routingKeys.versions(),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alert-routing/versions", { signal })),
  });

export const routingVersionQuery = (version: number) =>
  queryOptions({
    queryKey: routingKeys.version(version),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/alert-routing/versions/{version}", {
          params: { path: { version } },
          signal,
        }),
      ),
    staleTime: Infinity, // a version's text never changes
  });

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data; a 422 `invalid_routing` as RoutingInvalid (its problems at lines). */
async function checked<T>(answer: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await answer;
  if (response.status === 422) {
    const invalid = RoutingInvalid.from(error);
    if (invalid) throw invalid;
  }
  if (!response.ok) throw ApiError.from(response.status, error);
  return data as T;
}

function useRoutingMutation<A, R>(action: (args: A) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: action,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: routingKeys.all }),
  });
}

export function useSaveRouting() {
  return useRoutingMutation((body: { text: string; comment: string }) =>
    checked(api.POST("/api/v1/alert-routing/versions", { body })),
  );
}

export function usePublishRouting() {
  return useRoutingMutation((version: number) =>
    checked(
      api.POST("/api/v1/alert-routing/versions/{version}:publish", {
        params: { path: { version } },
      }),
    ),
  );
}

export function useRollbackRouting() {
  return useRoutingMutation(() => checked(api.POST("/api/v1/alert-routing:rollback")));
}

export function useTestRouting() {
  return useMutation({
    mutationFn: (body: Schemas["RoutingTestRequest"]) =>
      checked(api.POST("/api/v1/alert-routing:test", { body })),
  });
}

export type SilenceFilter = { state?: SilenceState; offset: number };

export const silenceKeys = {
  all: ["silences"] as const,
  lists: () => [...silenceKeys.all, "list"] as const,
  list: (filter: SilenceFilter) => [...silenceKeys.lists(), filter] as const,
};

export const PAGE_SIZE = 50;

export const silenceListQuery = (filter: SilenceFilter) =>
  queryOptions({
    queryKey: silenceKeys.list(filter),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/silences", {
          params: { query: { state: filter.state, offset: filter.offset, limit: PAGE_SIZE } },
          signal,
        }),
      ),
  });

function useSilenceMutation<A>(action: (args: A) => Promise<Silence>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: action,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: silenceKeys.all }),
  });
}

export function useCreateSilence() {
  return useSilenceMutation((body: SilenceCreate) =>
    unwrap(api.POST("/api/v1/silences", { body })),
  );
}

export function useExpireSilence() {
  return useSilenceMutation((id: number) =>
    unwrap(
      api.POST("/api/v1/silences/{silence_id}:expire", { params: { path: { silence_id: id } } }),
    ),
  );
}

export function useSilenceAlert() {
  return useSilenceMutation(
    ({ fingerprint, body }: { fingerprint: string; body: Schemas["AlertSilenceCreate"] }) =>
      unwrap(
        api.POST("/api/v1/alerts/{fingerprint}:silence", {
          params: { path: { fingerprint } },
          body,
        }),
      ),
  );
}

export type Alert = Schemas["AlertPublic"];
export type AlertStatusFilter = "firing" | "resolved" | undefined;

export const alertKeys = {
  all: ["alerts"] as const,
  lists: () => [...alertKeys.all, "list"] as const,
  list: (status: AlertStatusFilter, cursor?: string) =>
    [...alertKeys.lists(), { status, cursor }] as const,
  detail: (fingerprint: string) => [...alertKeys.all, "detail", fingerprint] as const,
};

export const alertListQuery = (status: AlertStatusFilter, cursor?: string) =>
  queryOptions({
    queryKey: alertKeys.list(status, cursor),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/alerts", { params: { query: { status, cursor } }, signal })),
  });

export const alertDetailQuery = (fingerprint: string) =>
  queryOptions({
    queryKey: alertKeys.detail(fingerprint),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/alerts/{fingerprint}", { params: { path: { fingerprint } }, signal }),
      ),
  });
