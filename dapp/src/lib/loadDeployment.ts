/** Fetches `deployments/<network>.json` next to the page (the I/O edge of deployment.ts). */
import { parseDeployment, DeploymentError, type Deployment } from "./deployment";

export async function loadDeployment(network: string): Promise<Deployment> {
  const url = new URL(`deployments/${network}.json`, document.baseURI);
  let res: Response;
  try {
    res = await fetch(url, { cache: "no-store" });
  } catch {
    throw new DeploymentError(`could not fetch ${url.pathname}: is the page served by vite or a static host with deployments/?`);
  }
  if (!res.ok)
    throw new DeploymentError(
      `no deployment "${network}" (${url.pathname} answered ${res.status}): run npx hardhat run scripts/deploy.ts --network ${network}, or pick another ?network=`,
    );
  return parseDeployment(await res.json(), network);
}
