// Following a file: an EventSource on the API's follow stream, closed when the viewer stops,
// leaves the page, or the stream ends (time cap) or fails. Lines are kept to a bounded window.

import { useEffect, useState } from "react";

/** The URL of a follow's event stream (same origin: the session cookie goes with it). */
export function followUrl(agent: string, path: string, offset: number, inode: number): string {
  const query = new URLSearchParams({ path, offset: String(offset), inode: String(inode) });
  return `/api/v1/agents/${encodeURIComponent(agent)}/files/follow?${query}`;
}

export const FOLLOW_WINDOW = 2000; // lines kept on screen

export type FollowState = "off" | "following" | "ended" | "failed";

interface LinesEvent {
  lines: string[];
  reset: boolean;
}

/** Append `incoming` to `shown`, keeping the last `window` lines; a reset starts over. */
export function appendLines(
  shown: readonly string[],
  incoming: LinesEvent,
  window = FOLLOW_WINDOW,
): string[] {
  const base = incoming.reset ? [] : shown;
  return [...base, ...incoming.lines].slice(-window);
}

export function useFollow(
  agent: string,
  path: string,
  start: { offset: number; inode: number } | undefined,
  on: boolean,
) {
  // Primitives, so a re-render with the same tail does not reopen the stream.
  const offset = start?.offset;
  const inode = start?.inode;
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState<FollowState>("off");
  const [message, setMessage] = useState("");
  useEffect(() => {
    if (!on || offset === undefined || inode === undefined) {
      setState("off");
      return;
    }
    setLines([]);
    setMessage("");
    setState("following");
    const source = new EventSource(followUrl(agent, path, offset, inode));
    source.addEventListener("lines", (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as LinesEvent;
      setLines((shown) => appendLines(shown, data));
    });
    source.addEventListener("end", () => {
      source.close();
      setState("ended");
    });
    source.addEventListener("error", (event) => {
      const data = (event as MessageEvent<string | undefined>).data;
      if (data) setMessage((JSON.parse(data) as { message: string }).message);
      source.close();
      setState("failed");
    });
    return () => source.close();
  }, [agent, path, offset, inode, on]);
  return { lines, state, message };
}
