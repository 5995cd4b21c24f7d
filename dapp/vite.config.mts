import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const dappDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(dappDir, "..");
const deploymentsDir = path.join(repoRoot, "deployments");

/**
 * Serves `deployments/<network>.json` at `/deployments/<network>.json` in `vite` dev and
 * preview, so the page reads the addresses and ABIs that `scripts/deploy.ts` wrote. A static
 * host serves the same folder next to the built page.
 */
function serveDeployments(): Plugin {
  const handler = async (url: string | undefined, res: import("node:http").ServerResponse, next: () => void) => {
    const match = /^\/deployments\/([A-Za-z0-9_-]{1,64})\.json(?:\?.*)?$/.exec(url ?? "");
    if (!match) return next();
    try {
      const body = await readFile(path.join(deploymentsDir, `${match[1]}.json`));
      res.setHeader("content-type", "application/json");
      res.setHeader("cache-control", "no-store");
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          error: {
            code: "DEPLOYMENT_NOT_FOUND",
            message: `no deployments/${match[1]}.json: run npx hardhat run scripts/deploy.ts --network ${match[1]}`,
          },
        }),
      );
    }
  };
  return {
    name: "poai-deployments",
    configureServer(server) {
      server.middlewares.use((req, res, next) => void handler(req.url, res, next));
    },
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => void handler(req.url, res, next));
    },
  };
}

export default defineConfig({
  root: dappDir,
  base: "./",
  plugins: [react(), serveDeployments()],
  server: { fs: { allow: [repoRoot] } },
  build: { outDir: path.join(dappDir, "dist"), emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2000 },
});
