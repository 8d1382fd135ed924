// Using the knowledge base through TanStack Query: ask it a question, say whether an entry
// helped, and the weekly usage stats. Feedback refreshes the entries (their counters).

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";
import { knowledgeKeys } from "./queries";

export type KnowledgeAnswer = Schemas["KnowledgeAnswer"];
export type KnowledgeMatch = Schemas["KnowledgeMatch"];
export type KnowledgeWeek = Schemas["KnowledgeWeek"];
export type FeedbackContext = Schemas["KnowledgeFeedbackCreate"]["context"];

export const knowledgeStatsQuery = (weeks = 4) =>
  queryOptions({
    queryKey: [...knowledgeKeys.all, "stats", weeks] as const,
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/knowledge:stats", { params: { query: { weeks } }, signal })),
  });

export function useAskKnowledge() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ question, language }: { question: string; language: string }) =>
      unwrap(api.POST("/api/v1/knowledge:ask", { body: { question, language } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: knowledgeKeys.all }),
  });
}

export interface Feedback {
  entryId: number;
  helpful: boolean;
  context: FeedbackContext;
  groupId?: string;
}

export function useKnowledgeFeedback() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ entryId, helpful, context, groupId }: Feedback) =>
      unwrap(
        api.POST("/api/v1/knowledge/{entry_id}:feedback", {
          params: { path: { entry_id: entryId } },
          body: { helpful, context, group_id: groupId ?? null },
        }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: knowledgeKeys.all }),
  });
}
