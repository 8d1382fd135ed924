// Tasks through TanStack Query: keys (all → lists → list(view) → detail(id)), query options,
// and one mutation hook per action, each refreshing the task and the lists it may move in.

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";
import { listQuery, type TaskView } from "./filters";

// No polling: the app's one event stream (src/live/) invalidates these keys as tasks change;
// only a running upload's bytes are asked for on a timer (progress.ts).
export { isFinished } from "./progress";

export const taskKeys = {
  all: ["tasks"] as const,
  lists: () => [...taskKeys.all, "list"] as const,
  list: (view: TaskView) => [...taskKeys.lists(), view] as const,
  details: () => [...taskKeys.all, "detail"] as const,
  detail: (id: string) => [...taskKeys.details(), id] as const,
  // Not under the detail key: the page asks for progress itself, when the task's status
  // changes and while it uploads (progress.ts), not on every refresh of the task.
  progress: (id: string) => [...taskKeys.all, "progress", id] as const,
  // Under the detail key: whatever refreshes the task refreshes its file's timeline too.
  timeline: (id: string, fileEventId: string) =>
    [...taskKeys.detail(id), "file", fileEventId] as const,
};

export const taskListQuery = (view: TaskView) =>
  queryOptions({
    queryKey: taskKeys.list(view),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/tasks", { params: { query: listQuery(view) }, signal })),
  });

export const taskDetailQuery = (id: string) =>
  queryOptions({
    queryKey: taskKeys.detail(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/tasks/{task_id}", { params: { path: { task_id: id } }, signal })),
  });

/** Live progress from the workflow; refetched by `refetchInterval` only while uploading. */
export const taskProgressQuery = (id: string) =>
  queryOptions({
    queryKey: taskKeys.progress(id),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/tasks/{task_id}/progress", { params: { path: { task_id: id } }, signal }),
      ),
  });

/** The task's file: every run it had and its timeline. */
export const fileTimelineQuery = (taskId: string, fileEventId: string) =>
  queryOptions({
    queryKey: taskKeys.timeline(taskId, fileEventId),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/file-events/{file_event_id}", {
          params: { path: { file_event_id: fileEventId } },
          signal,
        }),
      ),
  });

/** A presigned link to the task's object, asked for when wanted (it expires). */
export function useDownloadLink(id: string) {
  return useMutation({
    mutationFn: () =>
      unwrap(api.GET("/api/v1/tasks/{task_id}/download", { params: { path: { task_id: id } } })),
  });
}

function useTaskMutation<T, A>(id: string, action: (args: A) => Promise<T>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: action,
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: taskKeys.detail(id) }),
        queryClient.invalidateQueries({ queryKey: taskKeys.lists() }),
      ]),
  });
}

const path = (id: string) => ({ params: { path: { task_id: id } } });

export function useCancelTask(id: string) {
  return useTaskMutation(id, () => unwrap(api.POST("/api/v1/tasks/{task_id}:cancel", path(id))));
}

export function useRetryTask(id: string) {
  return useTaskMutation(id, () => unwrap(api.POST("/api/v1/tasks/{task_id}:retry", path(id))));
}

/** Approve or reject the waiting step; the API records the signed-in token's name as `by`. */
export function useDecideTask(id: string) {
  return useTaskMutation(id, (decision: Pick<Schemas["Decision"], "approved" | "comment">) =>
    unwrap(
      api.POST("/api/v1/tasks/{task_id}:approve", { ...path(id), body: { ...decision, by: "" } }),
    ),
  );
}
