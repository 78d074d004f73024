import { createContext, useContext, useEffect } from 'react';
import type { User } from './api/types';

export interface SessionContextValue {
  readonly user: User;
  readonly signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | undefined>(undefined);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a signed-in page');
  return value;
}

/** This browser has seen an account before: a signed-out visitor is sent to log in, not sign up. */
const KNOWN = 'berth.knownAccount';
export const rememberAccount = () => {
  try {
    window.localStorage.setItem(KNOWN, '1');
  } catch {
    /* storage disabled: sign-up stays the default */
  }
};
export const knowsAccount = () => {
  try {
    return window.localStorage.getItem(KNOWN) === '1';
  } catch {
    return false;
  }
};

/** A message for the next page (after a redirect), read once. */
let flash: string | undefined;
export const setFlash = (message: string) => {
  flash = message;
};
export const takeFlash = () => {
  const message = flash;
  flash = undefined;
  return message;
};

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Berth` : 'Berth';
  }, [title]);
}
