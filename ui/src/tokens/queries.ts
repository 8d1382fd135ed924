// API tokens through TanStack Query (admin only): keys (all → lists), the list, and one
// mutation hook per action. A created token's secret is in that answer only.

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";

export type Token = Schemas["ApiTokenPublic"];

export const tokenKeys = {
  all: ["tokens"] as const,
  lists: () => [...tokenKeys.all, "list"] as const,
};

export const tokenListQuery = () =>
  queryOptions({
    queryKey: tokenKeys.lists(),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/tokens", { signal })),
  });

function useTokenMutation<T, A>(action: (args: A) => Promise<T>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: action,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokenKeys.lists() }),
  });
}

export function useCreateToken() {
  return useTokenMutation((body: Schemas["ApiTokenCreate"]) =>
    unwrap(api.POST("/api/v1/tokens", { body })),
  );
}

export function useRevokeToken() {
  return useTokenMutation((id: number) =>
    unwrap(api.POST("/api/v1/tokens/{token_id}:revoke", { params: { path: { token_id: id } } })),
  );
}
