// Agents through TanStack Query: keys (all → lists, detail(id), config(id), configVersions(id)),
// query options, and the one mutation (push a config). The live stream refreshes every agent
// key on a change.

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";

export type Agent = Schemas["AgentPublic"];
export type AgentConfig = Schemas["AgentConfigPublic"];
export type AgentConfigVersion = Schemas["AgentConfigVersionPublic"];

export const agentKeys = {
  all: ["agents"] as const,
  lists: () => [...agentKeys.all, "list"] as const,
  detail: (id: string) => [...agentKeys.all, "detail", id] as const,
  config: (id: string) => [...agentKeys.all, "config", id] as const,
  configVersions: (id: string) => [...agentKeys.all, "configVersions", id] as const,
};

const path = (id: string) => ({ params: { path: { agent_id: id } } });

export const agentListQuery = () =>
  queryOptions({
    queryKey: agentKeys.lists(),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/agents", { signal })),
    staleTime: 60_000,
  });

export const agentDetailQuery = (id: string) =>
  queryOptions({
    queryKey: agentKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/agents/{agent_id}", { ...path(id), signal })),
  });

export const agentConfigQuery = (id: string) =>
  queryOptions({
    queryKey: agentKeys.config(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/agents/{agent_id}/config", { ...path(id), signal })),
    // The editor starts again from each new version: heartbeats must not swap the text under
    // an edit (this tab's own saves still refresh it).
    staleTime: Infinity,
  });

export const agentConfigVersionsQuery = (id: string) =>
  queryOptions({
    queryKey: agentKeys.configVersions(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/agents/{agent_id}/config/versions", { ...path(id), signal })),
  });

/** Push a config to an agent (admin): a new version, which the agent applies live. */
export function useSaveAgentConfig(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (config: Record<string, unknown>) =>
      unwrap(api.PUT("/api/v1/agents/{agent_id}/config", { ...path(id), body: { config } })),
    onSuccess: (saved) => {
      queryClient.setQueryData(agentKeys.config(id), saved);
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: agentKeys.detail(id) }),
        queryClient.invalidateQueries({ queryKey: agentKeys.lists() }),
        queryClient.invalidateQueries({ queryKey: agentKeys.configVersions(id) }),
      ]);
    },
  });
}

/** Forget a decommissioned agent (admin; the API refuses one that still reports, 409). */
export function useRemoveAgent(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/agents/{agent_id}", path(id))),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: agentKeys.detail(id) });
      return queryClient.invalidateQueries({ queryKey: agentKeys.lists() });
    },
  });
}
