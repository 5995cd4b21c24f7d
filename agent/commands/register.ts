/**
 * `agent register`: prints the node key's Registration signature for an operator address (to
 * paste into the dApp), or with `--operator-key` approves the stake and registers on chain.
 */
import { parseArgs } from "node:util";
import { parseUnits, type Hex } from "viem";
import { AgentError } from "../errors";
import { connect, regionBytes8 } from "../chain";
import { readNonce, registerOnChain, signRegistration } from "../registration";
import { DEFAULT_KEYSTORE, loadNodeKey, requireAddress, requireInt, requirePrivateKey, resolveRegistry } from "./common";

export const REGISTER_HELP = `agent register --rpc URL (--registry ADDR | --deployment FILE) [--keystore FILE]
    (--operator ADDR [--deadline-minutes M]
     | --operator-key HEX --gflops G --vram-mib V --stake TOKENS [--gpu-model N] [--gpu-count N] [--region R])
  Without --operator-key: prints the EIP-712 Registration signature (JSON) for the dApp.
  With --operator-key: approves TOKENS stake and registers the node on chain.`;

export async function registerCommand(argv: string[], out: (s: string) => void = console.log): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      keystore: { type: "string" },
      rpc: { type: "string" },
      registry: { type: "string" },
      deployment: { type: "string" },
      "chain-id": { type: "string" },
      operator: { type: "string" },
      "deadline-minutes": { type: "string" },
      "operator-key": { type: "string" },
      gflops: { type: "string" },
      "vram-mib": { type: "string" },
      "gpu-model": { type: "string" },
      "gpu-count": { type: "string" },
      region: { type: "string" },
      stake: { type: "string" },
    },
    strict: true,
  });
  if (!values.rpc) throw new AgentError("BadArgument", "--rpc URL is required (the chain the NodeRegistry lives on)");
  const registry = resolveRegistry(values.registry, values.deployment);
  if (!registry) throw new AgentError("BadArgument", "--registry ADDR or --deployment FILE is required");
  const expected = values["chain-id"] ? requireInt(values["chain-id"], "--chain-id", 1, 2 ** 31) : undefined;
  const { client, chainId, chain } = await connect(values.rpc, expected);
  const node = await loadNodeKey(values.keystore ?? DEFAULT_KEYSTORE);
  const nodePrivateKey = node.privateKey as Hex;

  if (values["operator-key"] === undefined) {
    const operator = requireAddress(values.operator, "--operator");
    const minutes = requireInt(values["deadline-minutes"], "--deadline-minutes", 1, 60 * 24 * 30, 60);
    const nonce = await readNonce(client, registry, node.address as `0x${string}`);
    const now = (await client.getBlock()).timestamp;
    const sig = await signRegistration({ nodePrivateKey, operator, nonce, deadline: now + BigInt(minutes * 60), chainId, registry });
    out(JSON.stringify(sig, null, 2));
    return;
  }

  const claim = {
    gpuModel: requireInt(values["gpu-model"], "--gpu-model", 0, 65_535, 0),
    gpuCount: requireInt(values["gpu-count"], "--gpu-count", 0, 65_535, 0),
    gflops: requireInt(values.gflops, "--gflops", 1, 2 ** 32 - 1),
    vramMiB: requireInt(values["vram-mib"], "--vram-mib", 0, 2 ** 32 - 1),
    region: regionBytes8(values.region ?? ""),
  };
  if (!values.stake || !/^\d+(\.\d+)?$/.test(values.stake)) throw new AgentError("BadArgument", "--stake TOKENS (decimal, 18 decimals) is required");
  const { txHash } = await registerOnChain({
    client,
    chain,
    rpcUrl: values.rpc,
    registry,
    nodePrivateKey,
    operatorPrivateKey: requirePrivateKey(values["operator-key"], "--operator-key"),
    claim,
    amount: parseUnits(values.stake, 18),
  });
  out(`registered node ${node.address} with ${claim.gflops} GFLOP/s, ${claim.vramMiB} MiB, stake ${values.stake}: tx ${txHash}`);
}
