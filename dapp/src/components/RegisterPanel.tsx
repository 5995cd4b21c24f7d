import { useState } from "react";
import { isAddress, isHex, recoverTypedDataAddress, type Address, type Hex } from "viem";
import { domain, REGISTRATION_TYPES, REGISTRY_DOMAIN_NAME } from "../../../protocol";
import { useEnv } from "../context";
import { useChain, useChainQuery } from "../hooks/useChain";
import { useTx } from "../hooks/useTx";
import { parseAgentOutput } from "../lib/agentOutput";
import type { HardwareClaim } from "../lib/chain";
import { formatTime, formatToken, parseTokenInput } from "../lib/format";
import { claimFrom, FormError } from "../lib/claimInput";
import { claimProblem, GPU_MODELS } from "../lib/gpuModels";
import { TxStatus } from "./TxStatus";

type PayMode = "permit" | "approve";

interface Form {
  agentOutput: string;
  nodeKey: string;
  deadline: string;
  signature: string;
  gpuModel: number;
  gpuCount: string;
  tflops: string;
  vramGiB: string;
  region: string;
  stake: string;
}

const INITIAL: Form = {
  agentOutput: "",
  nodeKey: "",
  deadline: "",
  signature: "",
  gpuModel: 0,
  gpuCount: "1",
  tflops: "",
  vramGiB: "",
  region: "",
  stake: "",
};

/** Registers a node from the agent's signature and stakes for it (permit, or approve + register). */
export function RegisterPanel({ account }: { account: Address }) {
  const { deployment, tokenSymbol } = useEnv();
  const chain = useChain();
  const tx = useTx();
  const [form, setForm] = useState<Form>(INITIAL);
  const [stakeTouched, setStakeTouched] = useState(false);
  const [mode, setMode] = useState<PayMode>("permit");
  const [formError, setFormError] = useState<string | null>(null);
  // Once the operator has a node, the form folds away until asked for (the same read as "Your nodes").
  const nodes = useChainQuery(["operatorNodes", account], () => chain.operatorNodes(account));
  const [expanded, setExpanded] = useState(false);
  const registry = deployment.contracts.NodeRegistry.address;

  let claim: HardwareClaim | null = null;
  try {
    claim = claimFrom(form);
  } catch {
    claim = null;
  }
  const claimKey = claim ? JSON.stringify(claim) : null;
  const minStake = useChainQuery(
    ["minimumStake", claimKey],
    () => chain.read("NodeRegistry", "minimumStake", [claim!]),
    !!claim,
  );
  // The query keeps its last answer while the claim is incomplete: show it only for a full claim.
  const minimum = claim ? minStake.data : undefined;
  const stakeText = stakeTouched ? form.stake : minimum !== undefined ? formatToken(minimum, 18).replace(/,/g, "") : form.stake;

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));

  const pasteAgentOutput = (text: string) => {
    const parsed = parseAgentOutput(text);
    setForm((f) => ({
      ...f,
      agentOutput: text,
      nodeKey: parsed.nodeKey ?? f.nodeKey,
      deadline: parsed.deadline !== undefined ? parsed.deadline.toString() : f.deadline,
      signature: parsed.signature ?? f.signature,
    }));
    if (parsed.operator && parsed.operator.toLowerCase() !== account.toLowerCase()) {
      setFormError(
        `The agent signed for operator ${parsed.operator}, not for this wallet (${account}): run it again with --operator ${account}.`,
      );
    } else if (parsed.chainId !== undefined && parsed.chainId !== deployment.chainId) {
      setFormError(
        `The agent signed for chain ${parsed.chainId}; this page is on chain ${deployment.chainId}: point the agent's --rpc at this network.`,
      );
    } else if (parsed.registry && parsed.registry.toLowerCase() !== registry.toLowerCase()) {
      setFormError(
        `The agent signed for the registry at ${parsed.registry}; this deployment's registry is ${registry}: give the agent this network's deployment record.`,
      );
    } else {
      setFormError(null);
    }
  };

  const model = GPU_MODELS.find((g) => g.id === form.gpuModel);
  /** A new class prefills the memory of its devices; the throughput stays what the operator measured. */
  const pickModel = (id: number) => {
    const m = GPU_MODELS.find((g) => g.id === id);
    setForm((f) => ({
      ...f,
      gpuModel: id,
      vramGiB: m && m.kind === "gpu" ? String(m.vramGiB * Math.max(1, Number(f.gpuCount) || 1)) : f.vramGiB,
    }));
  };
  const problem = claim ? claimProblem(claim) : null;

  /** Checks the signature before the wallet is asked: same recovery as the registry does. */
  async function validate(): Promise<{
    nodeKey: Address;
    deadline: bigint;
    signature: Hex;
    claim: HardwareClaim;
    amount: bigint;
  }> {
    const nodeKey = form.nodeKey.trim();
    if (!isAddress(nodeKey)) throw new FormError("Node key: paste the 0x… address the agent printed.");
    if (!/^\d{1,20}$/.test(form.deadline.trim())) throw new FormError("Signature deadline: the unix time the agent printed.");
    const deadline = BigInt(form.deadline.trim());
    const signature = form.signature.trim();
    if (!isHex(signature) || signature.length !== 132)
      throw new FormError("Signature: the 0x… signature of 65 bytes the agent printed.");
    const c = claimFrom(form);
    const bad = claimProblem(c);
    if (bad) throw new FormError(`Hardware claim: ${bad}.`);
    const amount = parseTokenInput(stakeText || "0");
    if (amount === 0n) throw new FormError("Stake: more than zero.");
    const now = await chain.blockTime();
    if (deadline <= now)
      throw new FormError(`The agent's signature expired at ${formatTime(deadline)}: run the register command again.`);
    const nonce = await chain.read("NodeRegistry", "nonces", [nodeKey]);
    const signer = await recoverTypedDataAddress({
      domain: domain(REGISTRY_DOMAIN_NAME, deployment.chainId, registry),
      types: REGISTRATION_TYPES,
      primaryType: "Registration",
      message: { operator: account, nodeKey, nonce, deadline },
      signature,
    }).catch(() => null);
    if (signer?.toLowerCase() !== nodeKey.toLowerCase()) {
      throw new FormError(
        `This signature is not the node key's consent for this wallet (${account}) at registry nonce ${nonce}: run npm run agent -- register --operator ${account} again and paste the new output.`,
      );
    }
    return { nodeKey, deadline, signature, claim: c, amount };
  }

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    let input: Awaited<ReturnType<typeof validate>>;
    try {
      input = await validate();
      setFormError(null);
    } catch (err) {
      setFormError(
        err instanceof FormError || (err as Error).name === "AmountError"
          ? (err as Error).message
          : `Could not check the input: ${(err as Error).message}`,
      );
      return;
    }
    const { nodeKey, deadline, signature, claim: c, amount } = input;
    const ok = await tx.run(`Registered ${nodeKey} with ${formatToken(amount)} ${tokenSymbol}`, async (steps) => {
      if (mode === "permit") {
        const p = await chain.signPermit(steps, account, registry, amount);
        await chain.send(steps, "Register and stake", account, "NodeRegistry", "registerWithPermit", [
          nodeKey,
          c,
          amount,
          deadline,
          signature,
          p.deadline,
          p.v,
          p.r,
          p.s,
        ]);
      } else {
        await chain.ensureAllowance(steps, account, registry, amount);
        await chain.send(steps, "Register and stake", account, "NodeRegistry", "register", [
          nodeKey,
          c,
          amount,
          deadline,
          signature,
        ]);
      }
    });
    if (ok) {
      setForm(INITIAL);
      setStakeTouched(false);
    }
  };

  const below =
    minimum !== undefined &&
    stakeText !== "" &&
    (() => {
      try {
        return parseTokenInput(stakeText) < minimum;
      } catch {
        return false;
      }
    })();

  const hasNodes = (nodes.data?.length ?? 0) > 0;
  const busyHere = tx.busy || tx.state.phase === "failed";
  if (hasNodes && !expanded && !busyHere) {
    return (
      <section className="card secondary" aria-labelledby="register-title" data-testid="register-panel" data-collapsed="true">
        <h2 id="register-title">Register another node</h2>
        <p className="muted small">
          Run <code>npm run agent -- register --operator {account.slice(0, 8)}…</code> on the new GPU machine, then paste its output here.
        </p>
        <button onClick={() => setExpanded(true)} aria-expanded={false} data-testid="register-open">
          Register another node
        </button>
        <TxStatus state={tx.state} />
      </section>
    );
  }

  return (
    <section className="card" aria-labelledby="register-title" data-testid="register-panel" data-collapsed="false">
      <h2 id="register-title">{hasNodes ? "Register another node" : "Register a node"}</h2>
      {hasNodes && (
        <button className="link" onClick={() => setExpanded(false)} aria-expanded={true} data-testid="register-close">
          Hide the form
        </button>
      )}
      <form onSubmit={submit} className="form">
        <label>
          Agent output
          <textarea
            rows={3}
            value={form.agentOutput}
            placeholder={`Paste what "npm run agent -- register --operator ${account.slice(0, 8)}…" printed`}
            onChange={(e) => pasteAgentOutput(e.target.value)}
            data-testid="agent-output"
          />
        </label>
        <div className="row2">
          <label>
            Node key
            <input
              className="mono"
              value={form.nodeKey}
              onChange={(e) => set("nodeKey", e.target.value)}
              placeholder="0x…"
              data-testid="node-key"
            />
          </label>
          <label>
            Signature deadline
            <input
              value={form.deadline}
              onChange={(e) => set("deadline", e.target.value)}
              placeholder="unix time"
              data-testid="sig-deadline"
            />
            {/^\d{1,12}$/.test(form.deadline) && <span className="hint">expires {formatTime(BigInt(form.deadline))}</span>}
          </label>
        </div>
        <label>
          Registration signature
          <input
            className="mono"
            value={form.signature}
            onChange={(e) => set("signature", e.target.value)}
            placeholder="0x…"
            data-testid="signature"
          />
        </label>

        <fieldset>
          <legend>Hardware claim</legend>
          <div className="row2">
            <label>
              GPU model
              <select value={form.gpuModel} onChange={(e) => pickModel(Number(e.target.value))} data-testid="gpu-model">
                {GPU_MODELS.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              GPU count
              <input
                inputMode="numeric"
                value={form.gpuCount}
                onChange={(e) => set("gpuCount", e.target.value)}
                data-testid="gpu-count"
              />
            </label>
            <label>
              TFLOPS (whole node)
              <input
                inputMode="decimal"
                value={form.tflops}
                onChange={(e) => set("tflops", e.target.value)}
                data-testid="tflops"
              />
            </label>
            <label>
              VRAM (GiB)
              <input
                inputMode="decimal"
                value={form.vramGiB}
                onChange={(e) => set("vramGiB", e.target.value)}
                data-testid="vram"
              />
            </label>
          </div>
          {model && (
            <p className="hint" data-testid="claim-hint">
              Peak of one {model.label}: {model.peakTflops.toLocaleString("en-US")} TFLOPS {model.precision}. Claim what{" "}
              <code>npm run agent -- bench</code> measured: the oracle challenges the node at the claimed rate.
            </p>
          )}
          {problem && (
            <p className="field-warn" data-testid="claim-problem">
              {problem}
            </p>
          )}
          <label>
            Region
            <input
              value={form.region}
              maxLength={8}
              onChange={(e) => set("region", e.target.value)}
              placeholder="eu-west"
              data-testid="region"
            />
          </label>
        </fieldset>

        <p className="min-stake" data-testid="min-stake">
          Minimum stake for this claim:{" "}
          <strong>
            {claim ? (minimum !== undefined ? `${formatToken(minimum)} ${tokenSymbol}` : "…") : "fill in the claim"}
          </strong>
        </p>
        <label>
          Stake ({tokenSymbol})
          <input
            inputMode="decimal"
            value={stakeText}
            onChange={(e) => {
              setStakeTouched(true);
              set("stake", e.target.value);
            }}
            data-testid="stake"
            aria-invalid={below || undefined}
          />
        </label>
        {below && <p className="field-warn">Below the minimum for this claim: the registry will refuse it.</p>}

        <fieldset className="radios">
          <legend>Pay the stake with</legend>
          <label className="radio">
            <input
              type="radio"
              name="pay"
              checked={mode === "permit"}
              onChange={() => setMode("permit")}
              data-testid="mode-permit"
            />
            Permit: one signature and one transaction
          </label>
          <label className="radio">
            <input
              type="radio"
              name="pay"
              checked={mode === "approve"}
              onChange={() => setMode("approve")}
              data-testid="mode-approve"
            />
            Approve, then stake: two transactions
          </label>
        </fieldset>

        {formError && (
          <p className="field-error" role="alert" data-testid="form-error">
            {formError}
          </p>
        )}
        <button className="primary" type="submit" disabled={tx.busy} data-testid="register">
          Register and stake
        </button>
      </form>
      <TxStatus state={tx.state} />
    </section>
  );
}
