// Routing rules through TanStack Query: keys (all → list, detail(id), versions(id)), query
// options, and one mutation hook per action, each refreshing what it changes.

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";

export type Rule = Schemas["RulePublic"];
export type RuleVersion = Schemas["RuleVersionPublic"];
export type RuleDocument = Record<string, unknown>;

export const ruleKeys = {
  all: ["rules"] as const,
  lists: () => [...ruleKeys.all, "list"] as const,
  detail: (id: number) => [...ruleKeys.all, "detail", id] as const,
  versions: (id: number) => [...ruleKeys.all, "versions", id] as const,
};

export const ruleListQuery = () =>
  queryOptions({
    queryKey: ruleKeys.lists(),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/rules", { signal })),
    staleTime: 60_000,
  });

const path = (id: number) => ({ params: { path: { rule_id: id } } });

export const ruleDetailQuery = (id: number) =>
  queryOptions({
    queryKey: ruleKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/rules/{rule_id}", { ...path(id), signal })),
    // The editor starts again from each new version: no refetch on focus may swap the text
    // under an edit (this tab's own saves still refresh it).
    staleTime: Infinity,
  });

export const ruleVersionsQuery = (id: number) =>
  queryOptions({
    queryKey: ruleKeys.versions(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/rules/{rule_id}/versions", { ...path(id), signal })),
  });

/** A mutation that refreshes the rule list and everything about the rule it returns. */
function useRuleMutation<A>(action: (args: A) => Promise<Rule>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: action,
    onSuccess: (rule) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ruleKeys.lists() }),
        queryClient.invalidateQueries({ queryKey: ruleKeys.detail(rule.id) }),
        queryClient.invalidateQueries({ queryKey: ruleKeys.versions(rule.id) }),
      ]),
  });
}

/** Save a document: a new rule (version 1) without an id, else a new version of rule `id`. */
export function useSaveRule() {
  return useRuleMutation(({ id, document }: { id?: number; document: RuleDocument }) =>
    id === undefined
      ? unwrap(api.POST("/api/v1/rules", { body: document }))
      : unwrap(api.PUT("/api/v1/rules/{rule_id}", { ...path(id), body: document })),
  );
}

export function usePublishRule() {
  return useRuleMutation(({ id, version }: { id: number; version: number }) =>
    unwrap(api.POST("/api/v1/rules/{rule_id}:publish", { ...path(id), body: { version } })),
  );
}

export function useRollbackRule() {
  return useRuleMutation(({ id, version }: { id: number; version: number }) =>
    unwrap(api.POST("/api/v1/rules/{rule_id}:rollback", { ...path(id), body: { version } })),
  );
}

export function useTestRules() {
  return useMutation({
    mutationFn: (request: Schemas["RuleTestRequest"]) =>
      unwrap(api.POST("/api/v1/rules:test", { body: request })),
  });
}
