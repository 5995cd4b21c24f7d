/**
 * Drives the session fuzz plans (session-cases.ts) against an oracle and checks each outcome:
 * a hostile opening is never answered `ready` and ends in a named close (or a named refusal of
 * the upgrade); a hostile frame after a good opening gets an `ok: false` reply with a named code
 * or ends the session with a named close (1009 oversize, 1007 not UTF-8).
 */
import assert from "node:assert/strict";
import type { Address, Hex } from "viem";
import { sealText } from "../../../protocol/session";
import { splice, type FuzzContext } from "./http-cases";
import { challengeIdOf, messageText, type FramePlan, type OpeningPlan } from "./session-cases";
import { connect, signedOpening, type LiveSession, type SessionTarget } from "./session-probe";
import { assertNamedClose, assertNamedError } from "./verdicts";

export interface SessionFuzz {
  target: SessionTarget;
  ctx: FuzzContext;
  /** Nonces of openings the oracle accepted (a replay reuses one; the caller adds its own). */
  accepted: Set<string>;
}

/** Sends an opening plan; returns how the oracle ended the connection. */
export async function tryOpening(f: SessionFuzz, plan: OpeningPlan): Promise<{ refusedStatus?: number; close?: { code: number; reason: string }; ready: boolean }> {
  const probe = connect(f.target, plan.kind === "protocols" ? { protocols: plan.protocols } : {});
  if (!(await probe.opened())) {
    await probe.closed;
    assert.ok(probe.refused, "upgrade neither accepted nor refused");
    assertNamedError(probe.refused.json, `upgrade refused ${probe.refused.status}`);
    return { refusedStatus: probe.refused.status, ready: false };
  }
  let frame: string | Buffer;
  let nonce: string | undefined;
  if (plan.kind === "binary") frame = Buffer.from(plan.bytes);
  else if (plan.kind === "text") frame = plan.text;
  else {
    const ctx = f.ctx;
    const m = plan.kind === "signed" ? plan.mutation : undefined;
    const now = Math.floor(Date.now() / 1000);
    const signer = m?.kind === "stranger" || m?.kind === "claims-other-node" ? ctx.stranger : ctx.node;
    const o = await signedOpening(f.target, signer, {
      timestamp: m?.kind === "stale" ? now - 3_600 : m?.kind === "future" ? now + 3_600 : undefined,
      oracle: m?.kind === "other-oracle" ? ctx.stranger.address : undefined,
      chainId: m?.kind === "other-chain" ? f.target.chainId + 1 : undefined,
      registry: m?.kind === "other-registry" ? (("0x" + "00".repeat(19) + "01") as Address) : undefined,
      node: m?.kind === "claims-other-node" ? ctx.node.address : undefined,
      nonce: m?.kind === "replay" ? ([...f.accepted][0] as Hex) : undefined,
      clientKey: m?.kind === "client-key" ? m.key : undefined,
    });
    nonce = o.nonce;
    const fields: Record<string, unknown> = { ...o.frame };
    if (m?.kind === "bad-signature") fields.signature = (o.frame.signature.slice(0, -4) + (o.frame.signature.endsWith("1b") ? "001c" : "001b")) as Hex;
    if (m?.kind === "extra-field") fields.extra = 1;
    frame = plan.kind === "field" ? splice(fields, [plan.field], plan.value) : JSON.stringify(fields);
  }
  probe.ws.send(frame);
  const close = await Promise.race([probe.closed, new Promise<undefined>((r) => setTimeout(r, 10_000))]);
  const ready = probe.texts.some((t) => t.startsWith('{"t":"ready"'));
  if (ready && nonce) f.accepted.add(nonce);
  return { close, ready };
}

/** Sends one hostile frame; returns whether the session is still open afterwards. */
export async function sendFrame(f: SessionFuzz, s: LiveSession, plan: FramePlan): Promise<boolean> {
  const what = JSON.stringify(plan).slice(0, 300);
  const ws = s.probe.ws;
  const valid = JSON.stringify({ t: "commit", id: "0xdeadbeef", root: "0x" + "ab".repeat(32) });
  let closing = true;
  let re: number | undefined;
  switch (plan.kind) {
    case "seq": {
      const n = s.seq;
      const seq = { zero: "0", repeat: String(n - 1), skip: String(n + 1), negative: "-1", huge: "9".repeat(15), "leading-zero": "0" + n, text: "one", float: `${n}.0` }[plan.seq];
      ws.send(seq + sealText(s.up, n, valid).slice(String(n).length));
      break;
    }
    case "mac": {
      const good = sealText(s.up, s.seq, valid);
      const [seq, mac] = good.split(".", 2);
      const bad = { flip: (mac[0] === "0" ? "1" : "0") + mac.slice(1), short: mac.slice(2), empty: "", "not-hex": "z".repeat(mac.length) }[plan.how];
      ws.send(`${seq}.${bad}.${valid}`);
      break;
    }
    case "framing":
      ws.send(plan.text);
      break;
    case "bad-json":
      s.send(plan.text);
      break;
    case "binary":
      ws.send(Buffer.from(valid));
      break;
    case "not-utf8":
      ws.send(Buffer.concat([Buffer.from(sealText(s.up, s.seq++, valid).slice(0, -2)), Buffer.from([0xff, 0x7d])]), { binary: false });
      break;
    case "oversize":
      s.send(JSON.stringify({ t: "processes", processes: [], pad: "x".repeat(f.ctx.maxBodyBytes) }));
      break;
    case "unknown-t":
      re = s.send(plan.text);
      closing = false;
      break;
    case "message": {
      const text = messageText(plan.route, challengeIdOf(plan, f.ctx), plan.text);
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
      }
      if (Buffer.byteLength(text) > f.ctx.maxBodyBytes) {
        s.send(text);
        const c = await s.probe.closed;
        assertNamedClose(c, what, { oversize: true });
        return false;
      }
      re = s.send(text);
      closing = !parses;
      break;
    }
    case "flood": {
      const seqs = Array.from({ length: plan.n }, () => s.send(valid));
      const done = await s.probe.until(() => (s.drain(), seqs.every((q) => s.messages.some((m) => m?.t === "reply" && m.re === q))), 5_000);
      if (!done) assertNamedClose(await s.probe.closed, what);
      for (const m of s.messages.filter((m) => m?.t === "reply")) {
        assert.equal(m.ok, false, `${what}: accepted ${JSON.stringify(m)}`);
        assertNamedError(m, what);
      }
      return done;
    }
  }
  if (closing) {
    const c = await Promise.race([s.probe.closed, new Promise<undefined>((r) => setTimeout(r, 5_000))]);
    assert.ok(c, `${what}: the session stayed open`);
    assertNamedClose(c, what, { oversize: plan.kind === "oversize", notUtf8: plan.kind === "not-utf8" });
    return false;
  }
  const reply = await s.reply(re!);
  if (reply === undefined) {
    // The oracle may end the session instead of answering; it must say why.
    assertNamedClose(await s.probe.closed, what);
    return false;
  }
  assert.equal(reply.ok, false, `${what}: accepted ${JSON.stringify(reply)}`);
  assertNamedError(reply, what);
  return true;
}
