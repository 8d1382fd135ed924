// An agent's host resources through TanStack Query (polled at the agent's sample interval)
// and the one mutation (terminate a process, admin).

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";
import { agentKeys } from "./queries";

export type HostResources = Schemas["HostResources"];
export type HostProcess = Schemas["Process"];
export type Terminated = Schemas["Terminated"];

export const resourceKeys = {
  detail: (id: string) => [...agentKeys.all, "resources", id] as const,
};

export const agentResourcesQuery = (id: string) =>
  queryOptions({
    queryKey: resourceKeys.detail(id),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/agents/{agent_id}/resources", {
          params: { path: { agent_id: id } },
          signal,
        }),
      ),
    refetchInterval: (query) => Math.max(5, query.state.data?.interval ?? 15) * 1000,
    retry: false, // an offline agent answers 503 after a wait: say so, do not queue more
  });

/** SIGTERM a process on the agent's host (admin; the agent must allow it). */
export function useTerminateProcess(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ pid, confirmName }: { pid: number; confirmName: string }) =>
      unwrap(
        api.POST("/api/v1/agents/{agent_id}/processes/{pid}:terminate", {
          params: { path: { agent_id: id, pid } },
          body: { confirm_name: confirmName },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: resourceKeys.detail(id) }),
  });
}
