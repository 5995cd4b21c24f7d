import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { useEnv } from "../context";
import { useChain, useChainQuery, useLatestBlock } from "../hooks/useChain";
import { useTx } from "../hooks/useTx";
import type { SlashRecord } from "../lib/chain";
import { slashReasonWords } from "../lib/explain";
import { formatDuration, formatTime, formatToken, shortAddress } from "../lib/format";
import { NO_ORACLE, oracleReason } from "../lib/known";
import { fetchEpochRecord } from "../lib/oracleApi";
import { TxStatus } from "./TxStatus";
import { Unknown } from "./Unknown";

/** Refresh period of the oracle's challenge record of a slashed epoch (ms): it is revealed once the epoch is over. */
const RECORD_REFRESH_MS = 10_000;

/** The oracle's per-challenge record of the slashed epoch, for this node: counts by verdict, and the link. */
function OracleRecord({ s }: { s: SlashRecord }) {
  const { settings } = useEnv();
  const record = useQuery({
    queryKey: ["epochRecord", settings.oracleUrl, s.epoch.toString(), s.node],
    queryFn: () => fetchEpochRecord(settings.oracleUrl!, s.epoch, s.node),
    enabled: !!settings.oracleUrl,
    refetchInterval: RECORD_REFRESH_MS,
    retry: 0,
  });
  if (!settings.oracleUrl) return <Unknown reason={NO_ORACLE} testId="slash-record" />;
  if (record.error && !record.data) return <Unknown reason={oracleReason(record.error)} testId="slash-record" />;
  const r = record.data;
  if (!r) return <span className="muted">loading…</span>;
  const link = (
    <a href={r.url} target="_blank" rel="noreferrer" data-testid="slash-record-link">
      the oracle's challenge record of epoch {s.epoch.toString()}
    </a>
  );
  if (r.state !== "revealed")
    return (
      <span data-testid="slash-record" data-state={r.state}>
        {link}: {r.state === "not-yet" ? "not revealed yet" : "none"} ({r.reason})
      </span>
    );
  const counts = new Map<string, number>();
  for (const c of r.challenges) counts.set(`${c.kind} ${c.verdict ?? "open"}`, (counts.get(`${c.kind} ${c.verdict ?? "open"}`) ?? 0) + 1);
  return (
    <span data-testid="slash-record" data-state="revealed">
      {link}: {r.challenges.length} challenge{r.challenges.length === 1 ? "" : "s"} to this node
      {r.partial ? " on its first page" : ""}
      {counts.size > 0 && ` (${[...counts].map(([k, n]) => `${n} ${k}`).join(", ")})`}
    </span>
  );
}

const STATE_WORDS: Record<SlashRecord["state"], string> = {
  None: "unknown",
  Proposed: "proposed",
  Vetoed: "vetoed by governance",
  Appealed: "appealed",
  AppealUpheld: "appeal upheld",
  AppealRejected: "appeal rejected",
  Executed: "executed",
};

/** Slashes proposed against a node (from Settlement's events), and the appeal of a pending one. */
export function NodeSlashes({ node, account }: { node: Address; account: Address }) {
  const { tokenSymbol, deployment, settings } = useEnv();
  const chain = useChain();
  const { time: now } = useLatestBlock();
  const tx = useTx();
  const slashes = useChainQuery(["slashes", node], () => chain.nodeSlashes(node));
  const bond = useChainQuery(["appealBond"], () => chain.read("Settlement", "appealBond"));
  if (!slashes.data || slashes.data.length === 0) return null;

  const appeal = (s: SlashRecord) => {
    const amount = bond.data ?? 0n;
    void tx.run(`Appealed the slash of epoch ${s.epoch}`, async (steps) => {
      await chain.ensureAllowance(steps, account, deployment.contracts.Settlement.address, amount);
      await chain.send(steps, `Appeal with a bond of ${formatToken(amount)} ${tokenSymbol}`, account, "Settlement", "appeal", [
        s.epoch,
        s.index,
      ]);
    });
  };

  return (
    <div className="slashes" data-testid="slashes">
      <h4>Slashes</h4>
      <ul>
        {slashes.data.map((s) => {
          const open = s.state === "Proposed" && s.reportStatus === "Pending" && now !== undefined && now < s.disputeEndsAt;
          return (
            <li key={`${s.epoch}-${s.index}`} data-testid="slash">
              <div>
                <strong>Epoch {s.epoch.toString()}</strong>: {(s.bps / 100).toLocaleString("en-US")}% for {s.reason},{" "}
                {STATE_WORDS[s.state]}
                {s.amount > 0n && ` (${formatToken(s.amount)} ${tokenSymbol} taken)`}
              </div>
              <p className="small" data-testid="slash-words">
                What failed: {slashReasonWords(s.reason)}.
              </p>
              <dl className="evidence small" data-testid="slash-evidence">
                <div>
                  <dt>Amount</dt>
                  <dd data-testid="slash-amount">
                    {s.state === "Executed"
                      ? `${formatToken(s.amount)} ${tokenSymbol} taken`
                      : s.state === "Vetoed" || s.state === "AppealUpheld"
                        ? "nothing taken"
                        : `${(s.bps / 100).toLocaleString("en-US")}% of the stake when it executes (not yet taken)`}
                  </dd>
                </div>
                <div>
                  <dt>Evidence hash</dt>
                  <dd>
                    <code className="mono" title={s.evidence} data-testid="slash-evidence-hash">
                      {s.evidence}
                    </code>
                    {s.reason === "fraud" && settings.oracleUrl && (
                      <>
                        {" · "}
                        <a href={`${settings.oracleUrl.replace(/\/+$/, "")}/v1/evidence/${s.evidence}`} target="_blank" rel="noreferrer" data-testid="slash-evidence-link">
                          the signed answers it names
                        </a>{" "}
                        (anyone re-verifies them: <code>npm run audit:slashes</code>)
                      </>
                    )}
                  </dd>
                </div>
                <div>
                  <dt>On-chain report</dt>
                  <dd data-testid="slash-report">
                    epoch {s.epoch.toString()}, {s.reportStatus.toLowerCase()}, slash #{s.index.toString()}, digest{" "}
                    <code className="mono" title={s.reportDigest}>
                      {shortAddress(s.reportDigest)}
                    </code>
                    , submitted by <code title={s.submitter}>{shortAddress(s.submitter)}</code>
                    {s.txHash && (
                      <>
                        {" "}
                        in transaction{" "}
                        <code className="mono" title={s.txHash} data-testid="slash-tx">
                          {shortAddress(s.txHash)}
                        </code>
                        {s.block !== null && ` (block ${s.block})`}
                      </>
                    )}
                    {" · "}
                    <a href={`#report-${s.epoch}`} data-testid="slash-report-link">
                      see it in the network view
                    </a>
                  </dd>
                </div>
                <div>
                  <dt>Dispute window</dt>
                  <dd data-testid="slash-window">
                    {now !== undefined && now < s.disputeEndsAt ? "ends" : "ended"} {formatTime(s.disputeEndsAt)}
                  </dd>
                </div>
                <div>
                  <dt>Appeal</dt>
                  <dd data-testid="slash-appeal">
                    {s.appellant
                      ? `${STATE_WORDS[s.state]} (bond ${formatToken(s.bond)} ${tokenSymbol} from ${shortAddress(s.appellant)})`
                      : open
                        ? "none yet: open until the dispute window ends"
                        : "none"}
                  </dd>
                </div>
                <div>
                  <dt>Oracle record</dt>
                  <dd>
                    <OracleRecord s={s} />
                  </dd>
                </div>
              </dl>
              {open && (
                <div className="actions">
                  <span className="muted small">
                    dispute window ends {formatTime(s.disputeEndsAt)} (in {formatDuration(s.disputeEndsAt - (now ?? 0n))})
                  </span>
                  <button onClick={() => appeal(s)} disabled={tx.busy || bond.data === undefined} data-testid="appeal">
                    Appeal (bond {bond.data !== undefined ? formatToken(bond.data) : "…"} {tokenSymbol})
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ul>
      <TxStatus state={tx.state} testId="slash-tx-status" />
    </div>
  );
}
