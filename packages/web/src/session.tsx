/**
 * Who is signed in: GET /api/me once at start and after signing in or out. The session itself is the HttpOnly
 * `khatam_session` cookie the server sets; the page never sees the token.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { ApiError, apiJson, type Me } from "./lib/api.js";

interface Session {
  /** The signed-in user; null when nobody is; undefined while loading. */
  readonly me: Me | null | undefined;
  refresh(): Promise<Me | null>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const refresh = useCallback(async () => {
    try {
      const answer = await apiJson<Me>("/api/me");
      setMe(answer);
      return answer;
    } catch (e) {
      if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 403)) console.warn("GET /api/me failed", e);
      setMe(null);
      return null;
    }
  }, []);
  const signOut = useCallback(async () => {
    try {
      await apiJson("/api/auth/logout", { method: "POST" });
    } finally {
      setMe(null);
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const value = useMemo(() => ({ me, refresh, signOut }), [me, refresh, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
