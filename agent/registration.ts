/**
 * Registration of a node: the node key signs `Registration(operator, nodeKey, nonce, deadline)`
 * (EIP-712, domain `PoAI NodeRegistry` / chain id / registry, protocol/eip712.ts); the operator
 * submits it with the stake (approve + `NodeRegistry.register`).
 */
import { createWalletClient, formatUnits, http, type Address, type Hex, type PublicClient, type Chain } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { REGISTRATION_TYPES, REGISTRY_DOMAIN_NAME, domain } from "../protocol";
import { erc20Abi, nodeRegistryAbi } from "../protocol/abi";
import { AgentError } from "./errors";
import { gib, tflops, tokens, TOKEN_DECIMALS } from "./units";
import { type HardwareClaim } from "./chain";

export interface RegistrationSignature {
  operator: Address;
  nodeKey: Address;
  nonce: string;
  deadline: string;
  chainId: number;
  registry: Address;
  signature: Hex;
}

export async function signRegistration(args: {
  nodePrivateKey: Hex;
  operator: Address;
  nonce: bigint;
  deadline: bigint;
  chainId: number;
  registry: Address;
}): Promise<RegistrationSignature> {
  const account = privateKeyToAccount(args.nodePrivateKey);
  const signature = await account.signTypedData({
    domain: domain(REGISTRY_DOMAIN_NAME, args.chainId, args.registry),
    types: REGISTRATION_TYPES,
    primaryType: "Registration",
    message: { operator: args.operator, nodeKey: account.address, nonce: args.nonce, deadline: args.deadline },
  });
  return {
    operator: args.operator,
    nodeKey: account.address,
    nonce: args.nonce.toString(),
    deadline: args.deadline.toString(),
    chainId: args.chainId,
    registry: args.registry,
    signature,
  };
}

export async function readNonce(client: PublicClient, registry: Address, nodeKey: Address): Promise<bigint> {
  try {
    return await client.readContract({ address: registry, abi: nodeRegistryAbi, functionName: "nonces", args: [nodeKey] });
  } catch (err) {
    throw new AgentError("Chain", `cannot read nonces(${nodeKey}) from the NodeRegistry at ${registry}: wrong address or chain?`, { cause: err });
  }
}

/**
 * Approves the stake and registers the node from the operator's key; waits for both receipts.
 * Returns the register transaction hash.
 */
export async function registerOnChain(args: {
  client: PublicClient;
  chain: Chain;
  rpcUrl: string;
  registry: Address;
  nodePrivateKey: Hex;
  operatorPrivateKey: Hex;
  claim: HardwareClaim;
  amount: bigint;
  deadlineSeconds?: number;
}): Promise<{ txHash: Hex; signature: RegistrationSignature }> {
  const operator = privateKeyToAccount(args.operatorPrivateKey);
  const wallet = createWalletClient({ account: operator, chain: args.chain, transport: http(args.rpcUrl) });
  const nodeKey = privateKeyToAccount(args.nodePrivateKey).address;
  const nonce = await readNonce(args.client, args.registry, nodeKey);
  const block = await args.client.getBlock();
  const deadline = block.timestamp + BigInt(args.deadlineSeconds ?? 3600);
  const sig = await signRegistration({
    nodePrivateKey: args.nodePrivateKey,
    operator: operator.address,
    nonce,
    deadline,
    chainId: args.chain.id,
    registry: args.registry,
  });
  try {
    const token = await args.client.readContract({ address: args.registry, abi: nodeRegistryAbi, functionName: "stakeToken" });
    const need = await args.client.readContract({ address: args.registry, abi: nodeRegistryAbi, functionName: "minimumStake", args: [args.claim] });
    if (args.amount < need) {
      throw new AgentError("BadArgument", `stake ${tokens(args.amount)} is below the minimum ${tokens(need)} for a claim of ${tflops(args.claim.gflops)} (${args.claim.gflops} GFLOP/s) and ${gib(args.claim.vramMiB)}`, {
        hint: `pass --stake ${formatUnits(need, TOKEN_DECIMALS)} or more (in tokens), or claim less`,
      });
    }
    const bal = await args.client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [operator.address] });
    if (bal < args.amount) {
      throw new AgentError("BadArgument", `operator ${operator.address} holds ${tokens(bal)}, the stake needs ${tokens(args.amount)}`);
    }
    const approve = await wallet.writeContract({ address: token, abi: erc20Abi, functionName: "approve", args: [args.registry, args.amount] });
    await args.client.waitForTransactionReceipt({ hash: approve });
    const txHash = await wallet.writeContract({
      address: args.registry,
      abi: nodeRegistryAbi,
      functionName: "register",
      args: [nodeKey, args.claim, args.amount, deadline, sig.signature],
    });
    const receipt = await args.client.waitForTransactionReceipt({ hash: txHash });
    if (receipt.status !== "success") throw new AgentError("Chain", `register transaction ${txHash} reverted`);
    return { txHash, signature: sig };
  } catch (err) {
    if (err instanceof AgentError) throw err;
    throw new AgentError("Chain", `registering node ${nodeKey} failed: ${(err as Error).message.split("\n")[0]}`, { cause: err });
  }
}
