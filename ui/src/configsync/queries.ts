// Rule sets, Alertmanager configs and config targets through TanStack Query. Both document
// kinds share one API shape, so one set of helpers serves both (the path picks the kind).

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";
import { ApiError } from "../api/errors";
import type { LineProblem } from "../rules/problems";

export type ConfigDocument = Schemas["DocumentPublic"];
export type ConfigVersion = Schemas["VersionPublic"];
export type ConfigTarget = Schemas["TargetPublic"];
export type Rollout = Schemas["RolloutPublic"];
export type RolloutState = Schemas["RolloutStatePublic"];
export type TargetDiff = Schemas["TargetDiffPublic"];

/** The two document kinds' URL segments (the API's and the console's). */
export type DocPath = "rule-sets" | "alertmanager-configs";

// The kinds' routes have identical shapes: type them as the rule sets' ones.
const list = (p: DocPath) => `/api/v1/${p}` as "/api/v1/rule-sets";
const one = (p: DocPath) => `/api/v1/${p}/{name}` as "/api/v1/rule-sets/{name}";
const versions = (p: DocPath) =>
  `/api/v1/${p}/{name}/versions` as "/api/v1/rule-sets/{name}/versions";
const version = (p: DocPath) =>
  `/api/v1/${p}/{name}/versions/{version}` as "/api/v1/rule-sets/{name}/versions/{version}";
const publishPath = (p: DocPath) =>
  `/api/v1/${p}/{name}/versions/{version}:publish` as "/api/v1/rule-sets/{name}/versions/{version}:publish";
const rollbackPath = (p: DocPath) =>
  `/api/v1/${p}/{name}:rollback` as "/api/v1/rule-sets/{name}:rollback";

/** A 422 `invalid_config`: the problems at their lines. */
export class ConfigInvalid extends Error {
  constructor(readonly problems: LineProblem[]) {
    super("invalid_config");
  }

  static from(body: unknown): ConfigInvalid | undefined {
    const error = (body as { error?: { code?: unknown; problems?: unknown } })?.error;
    if (error?.code !== "invalid_config" || !Array.isArray(error.problems)) return undefined;
    const problems = error.problems.flatMap((p: unknown) => {
      const { path, line, message } = (p ?? {}) as Record<string, unknown>;
      return typeof line === "number" && typeof message === "string"
        ? [{ path: typeof path === "string" ? path : "", line, message }]
        : [];
    });
    return new ConfigInvalid(problems);
  }
}

async function checked<T>(
  answer: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await answer;
  if (response.status === 422) {
    const invalid = ConfigInvalid.from(error);
    if (invalid) throw invalid;
  }
  if (!response.ok) throw ApiError.from(response.status, error);
  return data as T;
}

export const configKeys = {
  docs: (p: DocPath) => ["config-sync", p] as const,
  doc: (p: DocPath, name: string) => ["config-sync", p, name] as const,
  targets: () => ["config-sync", "targets"] as const,
  target: (name: string) => ["config-sync", "targets", name] as const,
};

export const documentsQuery = (p: DocPath) =>
  queryOptions({
    queryKey: configKeys.docs(p),
    queryFn: ({ signal }) => unwrap(api.GET(list(p), { signal })),
  });

export const documentQuery = (p: DocPath, name: string) =>
  queryOptions({
    queryKey: configKeys.doc(p, name),
    queryFn: ({ signal }) => unwrap(api.GET(one(p), { params: { path: { name } }, signal })),
  });

export const versionsQuery = (p: DocPath, name: string) =>
  queryOptions({
    queryKey: [...configKeys.doc(p, name), "versions"] as const,
    queryFn: ({ signal }) => unwrap(api.GET(versions(p), { params: { path: { name } }, signal })),
  });

export const versionQuery = (p: DocPath, name: string, n: number) =>
  queryOptions({
    queryKey: [...configKeys.doc(p, name), "version", n] as const,
    queryFn: ({ signal }) =>
      unwrap(api.GET(version(p), { params: { path: { name, version: n } }, signal })),
    staleTime: Infinity, // a version's text never changes
  });

function useConfigMutation<A, R>(action: (args: A) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: action,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["config-sync"] }),
  });
}

export function useCreateDocument(p: DocPath) {
  return useConfigMutation((body: { name: string; text: string; comment: string }) =>
    checked(api.POST(list(p), { body })),
  );
}

export function useSaveVersion(p: DocPath, name: string) {
  return useConfigMutation((body: { text: string; comment: string }) =>
    checked(api.POST(versions(p), { params: { path: { name } }, body })),
  );
}

export function usePublish(p: DocPath, name: string) {
  return useConfigMutation((n: number) =>
    checked(api.POST(publishPath(p), { params: { path: { name, version: n } } })),
  );
}

export function useRollback(p: DocPath, name: string) {
  return useConfigMutation(() =>
    checked(api.POST(rollbackPath(p), { params: { path: { name } } })),
  );
}

export const targetsQuery = () =>
  queryOptions({
    queryKey: configKeys.targets(),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/config-targets", { signal })),
  });

export const targetQuery = (name: string) =>
  queryOptions({
    queryKey: configKeys.target(name),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/config-targets/{name}", { params: { path: { name } }, signal })),
  });

export const rolloutsQuery = (name: string) =>
  queryOptions({
    queryKey: [...configKeys.target(name), "rollouts"] as const,
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/config-targets/{name}/rollouts", { params: { path: { name } }, signal }),
      ),
  });

export const diffQuery = (name: string) =>
  queryOptions({
    queryKey: [...configKeys.target(name), "diff"] as const,
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/config-targets/{name}/diff", { params: { path: { name } }, signal })),
  });

export function useRollOut(name: string) {
  return useConfigMutation(() =>
    checked(api.POST("/api/v1/config-targets/{name}:rollout", { params: { path: { name } } })),
  );
}

export type TargetCreate = Schemas["TargetCreate"];

export function useCreateTarget() {
  return useConfigMutation((body: TargetCreate) =>
    checked(api.POST("/api/v1/config-targets", { body })),
  );
}
