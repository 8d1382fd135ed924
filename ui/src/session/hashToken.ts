// `sluice dev` prints a console link with the admin token in the fragment (`/#token=…`); the
// console takes it out of the URL before anything else runs, so it never stays in the address
// bar or the history.

/** The token in a URL fragment, and the fragment without it. */
export function splitHashToken(hash: string): { token?: string; hash: string } {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const token = params.get("token")?.trim();
  if (token === undefined) return { hash };
  params.delete("token");
  const rest = params.toString();
  return { token: token || undefined, hash: rest ? `#${rest}` : "" };
}

/** Remove a `#token=` from the address (replacing the history entry) and return the token. */
export function takeTokenFromUrl(location: Location, history: History): string | undefined {
  const { token, hash } = splitHashToken(location.hash);
  if (hash !== location.hash) {
    history.replaceState(history.state, "", `${location.pathname}${location.search}${hash}`);
  }
  return token;
}
