/**
 * `agent register`: prints the node key's Registration signature for an operator address (to
 * paste into the dApp), or with `--operator-key` approves the stake and registers on chain.
 */
import { parseArgs } from "node:util";
import type { Hex } from "viem";
import { queryGpus } from "../gpu";
import { gib, parseTokens, tflops, tokens } from "../units";
import { AgentError } from "../errors";
import { connect, regionBytes8 } from "../chain";
import { readNonce, registerOnChain, signRegistration } from "../registration";
import { assertRegistry, DEFAULT_KEYSTORE, loadNodeKey, requireAddress, requireInt, requirePrivateKey, requireUrl, resolveRegistry } from "./common";

export const REGISTER_HELP = `agent register --rpc URL (--registry ADDR | --deployment FILE) [--keystore FILE]
    (--operator ADDR [--deadline-minutes M]
     | --operator-key HEX --gflops G --vram-mib V --stake TOKENS [--gpu-model N] [--gpu-count N] [--region R])
  Without --operator-key: prints the EIP-712 Registration signature (JSON) for the dApp.
  With --operator-key: approves TOKENS stake (a token amount, e.g. 150.5) and registers the
  node on chain. Without --gpu-count, the GPUs nvidia-smi lists are counted (0 on a CPU node).
  The registry is checked on the chain (code, NodeRegistry views) before anything is signed.`;

/** The GPU count to register: --gpu-count, else what nvidia-smi lists (0 without it, said so). */
async function gpuCount(given: string | undefined, out: (s: string) => void, detect: () => Promise<{ name: string }[] | undefined>): Promise<number> {
  if (given !== undefined) return requireInt(given, "--gpu-count", 0, 65_535);
  const gpus = await detect();
  if (!gpus || gpus.length === 0) {
    out(`no GPU found (${gpus ? "nvidia-smi lists none" : "nvidia-smi not found"}): registering --gpu-count 0, a CPU node; pass --gpu-count N if that is wrong`);
    return 0;
  }
  out(`nvidia-smi lists ${gpus.length} GPU(s) (${[...new Set(gpus.map((g) => g.name))].join(", ")}): registering --gpu-count ${gpus.length}`);
  return gpus.length;
}

export async function registerCommand(argv: string[], out: (s: string) => void = console.log, detectGpus: () => Promise<{ name: string }[] | undefined> = queryGpus): Promise<void> {
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
  // Every argument is checked before the chain is asked or the key is loaded.
  if (!values.rpc) throw new AgentError("BadArgument", "--rpc URL is required (the chain the NodeRegistry lives on)");
  const rpc = requireUrl(values.rpc, "--rpc");
  const registry = resolveRegistry(values.registry, values.deployment);
  if (!registry) throw new AgentError("BadArgument", "--registry ADDR or --deployment FILE is required");
  const expected = values["chain-id"] ? requireInt(values["chain-id"], "--chain-id", 1, 2 ** 31) : undefined;
  const direct = values["operator-key"] !== undefined;
  const operator = direct ? undefined : requireAddress(values.operator, "--operator");
  const minutes = direct ? 60 : requireInt(values["deadline-minutes"], "--deadline-minutes", 1, 60 * 24 * 30, 60);
  const operatorKey = direct ? requirePrivateKey(values["operator-key"], "--operator-key") : undefined;
  const partial = direct
    ? {
        gpuModel: requireInt(values["gpu-model"], "--gpu-model", 0, 65_535, 0),
        gflops: requireInt(values.gflops, "--gflops", 1, 2 ** 32 - 1),
        vramMiB: requireInt(values["vram-mib"], "--vram-mib", 0, 2 ** 32 - 1),
        region: regionBytes8(values.region ?? ""),
      }
    : undefined;
  const amount = direct ? parseTokens(values.stake, "--stake") : undefined;

  const { client, chainId, chain } = await connect(rpc, expected);
  await assertRegistry(client, registry, chainId);
  const node = await loadNodeKey(values.keystore ?? DEFAULT_KEYSTORE);
  const nodePrivateKey = node.privateKey as Hex;

  if (!direct) {
    const nonce = await readNonce(client, registry, node.address as `0x${string}`);
    const now = (await client.getBlock()).timestamp;
    const sig = await signRegistration({ nodePrivateKey, operator: operator!, nonce, deadline: now + BigInt(minutes * 60), chainId, registry });
    out(JSON.stringify(sig, null, 2));
    return;
  }

  const claim = { ...partial!, gpuCount: await gpuCount(values["gpu-count"], out, detectGpus) };
  const { txHash } = await registerOnChain({
    client,
    chain,
    rpcUrl: rpc,
    registry,
    nodePrivateKey,
    operatorPrivateKey: operatorKey!,
    claim,
    amount: amount!,
  });
  out(`registered node ${node.address}: claim ${tflops(claim.gflops)} (${claim.gflops} GFLOP/s), ${gib(claim.vramMiB)} (${claim.vramMiB} MiB), ${claim.gpuCount} GPU(s), stake ${tokens(amount!)}: tx ${txHash}`);
}
