import { createContext, useContext } from "react";
import type { Deployment } from "./lib/deployment";
import type { PageSettings } from "./lib/settings";

export interface AppEnv {
  deployment: Deployment;
  settings: PageSettings;
  tokenSymbol: string;
}

export const EnvContext = createContext<AppEnv | null>(null);

export function useEnv(): AppEnv {
  const env = useContext(EnvContext);
  if (!env) throw new Error("useEnv outside EnvContext");
  return env;
}
