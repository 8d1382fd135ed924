// Channels and their notifications through TanStack Query: keys (all → lists, and the
// notification lists by filter), query options, and one mutation hook per action.

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";
import type { Filters } from "../shared/urlView";
import type { ChannelCreate, ChannelUpdate } from "./channelForm";

export const NOTIFICATION_FILTERS = ["channel_id", "status"] as const;
export type NotificationFilters = Filters<(typeof NOTIFICATION_FILTERS)[number]>;
export type Notification = Schemas["NotificationPublic"];

export const channelKeys = {
  all: ["channels"] as const,
  lists: () => [...channelKeys.all, "list"] as const,
  notifications: () => ["notifications"] as const,
  notificationList: (filters: NotificationFilters) =>
    [...channelKeys.notifications(), filters] as const,
};

export const channelListQuery = () =>
  queryOptions({
    queryKey: channelKeys.lists(),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/channels", { signal })),
  });

export const notificationListQuery = (filters: NotificationFilters) =>
  queryOptions({
    queryKey: channelKeys.notificationList(filters),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/notifications", {
          params: {
            query: {
              channel_id: filters.channel_id ? Number(filters.channel_id) : undefined,
              status: filters.status as Schemas["NotificationStatus"] | undefined,
              limit: 100,
            },
          },
          signal,
        }),
      ),
  });

const path = (id: number) => ({ params: { path: { channel_id: id } } });

function useChannelMutation<T, A>(action: (args: A) => Promise<T>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: action,
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: channelKeys.lists() }),
        queryClient.invalidateQueries({ queryKey: channelKeys.notifications() }),
      ]),
  });
}

export function useCreateChannel() {
  return useChannelMutation((body: ChannelCreate) =>
    unwrap(api.POST("/api/v1/channels", { body })),
  );
}

export function useUpdateChannel() {
  return useChannelMutation(({ id, body }: { id: number; body: ChannelUpdate }) =>
    unwrap(api.PUT("/api/v1/channels/{channel_id}", { ...path(id), body })),
  );
}

export function useDeleteChannel() {
  return useChannelMutation((id: number) =>
    unwrap(api.DELETE("/api/v1/channels/{channel_id}", path(id))),
  );
}

/** Send a test message now; its record shows in the delivery history too. */
export function useTestChannel() {
  return useChannelMutation((id: number) =>
    unwrap(api.POST("/api/v1/channels/{channel_id}:test", path(id))),
  );
}
