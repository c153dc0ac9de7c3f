import { useEffect, useState } from "preact/hooks";
import { basePath } from "./session";

/** The app route: the path below the base path, e.g. "/chat". */
export function currentRoute(): string {
  const path = location.pathname.startsWith(basePath) ? location.pathname.slice(basePath.length) : location.pathname;
  return path === "" ? "/" : path;
}

export function navigate(route: string): void {
  history.pushState(null, "", basePath + route + location.hash);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    addEventListener("popstate", on);
    return () => removeEventListener("popstate", on);
  }, []);
  return route;
}
