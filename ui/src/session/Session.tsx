// Who is signed in. The API token is exchanged for an HttpOnly session cookie
// (POST /api/v1/session); any 401 afterwards (signed out elsewhere, token revoked) ends the
// session here too and shows the sign-in page.

import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";

import { api, onUnauthorized, unwrap, type Schemas } from "../api/client";
import { ApiError } from "../api/errors";

export type Principal = Schemas["SessionPublic"];

type State =
  | { status: "checking" }
  | { status: "signedOut"; ended: boolean; error?: unknown }
  | { status: "signedIn"; principal: Principal };

interface SessionApi {
  state: State;
  signIn: (token: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({
  bannerToken,
  children,
}: {
  bannerToken?: string;
  children: ReactNode;
}) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<State>({ status: "checking" });

  const signIn = useCallback(async (token: string) => {
    const principal = await unwrap(api.POST("/api/v1/session", { body: { token } }));
    setState({ status: "signedIn", principal });
  }, []);

  const signOut = useCallback(async () => {
    await unwrap(api.DELETE("/api/v1/session"));
    queryClient.clear();
    setState({ status: "signedOut", ended: false });
  }, [queryClient]);

  useEffect(() => {
    let live = true;
    const start = bannerToken
      ? signIn(bannerToken)
      : unwrap(api.GET("/api/v1/session")).then((principal) => {
          if (live) setState({ status: "signedIn", principal });
        });
    start.catch((error: unknown) => {
      // Without a banner token, a 401 only means "not signed in yet": nothing to show.
      const notYet = !bannerToken && error instanceof ApiError && error.status === 401;
      if (live) setState({ status: "signedOut", ended: false, error: notYet ? undefined : error });
    });
    return () => {
      live = false;
    };
  }, [bannerToken, signIn]);

  useEffect(
    () =>
      onUnauthorized(() => {
        queryClient.clear();
        setState((current) =>
          current.status === "signedIn" ? { status: "signedOut", ended: true } : current,
        );
      }),
    [queryClient],
  );

  const value = useMemo(() => ({ state, signIn, signOut }), [state, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const session = useContext(SessionContext);
  if (session === null) throw new Error("useSession outside SessionProvider");
  return session;
}

/** The signed-in principal; only for components under the signed-in shell. */
export function usePrincipal(): Principal {
  const { state } = useSession();
  if (state.status !== "signedIn") throw new Error("usePrincipal while signed out");
  return state.principal;
}
