/**
 * A committee member's key hierarchy. Each member holds one durable secret, derived from its own
 * private key and bound to one deployment; everything the member keeps secret about an epoch
 * derives from it, so nothing of it lives only in a database (a lost database loses no seed):
 *
 *   memberSecret = HKDF-SHA256(ikm = private key bytes, salt = "poai.member-secret.v1",
 *                              info = abi.encode(uint256 chainId, address epochManager), 32 bytes)
 *   seedShare_e  = HMAC-SHA256(memberSecret, "poai.seed-share.v1"   ‖ 0x00 ‖ uint64be(e))
 *   openingKey_e = HMAC-SHA256(memberSecret, "poai.opening-key.v1"  ‖ 0x00 ‖ uint64be(e))
 *   dueTimeKey_e = HMAC-SHA256(memberSecret, "poai.due-time-key.v1" ‖ 0x00 ‖ uint64be(e))
 *
 * The seed share is committed before epoch `e` and revealed in its report. The opening key (the
 * openings of the challenges this member issues) and the due-time key (their due instants) are
 * the other two per-epoch secrets of the design; the oracle does not use them yet: its openings
 * and due times still derive from the revealed seed (docs/challenges.md "Where seeds come from").
 *
 * HMAC-SHA256 under a secret key is a pseudorandom function, and every label and epoch gives a
 * distinct message, so each output is independent of every other: revealed seed shares say
 * nothing about future shares or about any opening or due-time key. The labels carry a version:
 * a new derivation gets new labels, never a changed meaning of an old one (committed seeds must
 * stay recomputable after an upgrade).
 *
 * Uses node:crypto, so it is not re-exported from protocol/index.ts (the dApp bundles that).
 */
import { createHmac, hkdfSync } from "node:crypto";
import { bytesToHex, encodeAbiParameters, hexToBytes, isAddress, isHex, stringToBytes, type Address, type Hex } from "viem";
import { KeyError } from "./errors";

/** The HKDF salt of the member secret; a new derivation gets a new version. */
export const MEMBER_SECRET_LABEL = "poai.member-secret.v1";
/** The HMAC labels of the per-epoch secrets. */
export const KEY_LABELS = {
  seedShare: "poai.seed-share.v1",
  openingKey: "poai.opening-key.v1",
  dueTimeKey: "poai.due-time-key.v1",
} as const;

/** The deployment a member secret is bound to: the same key on another chain or contract gives another secret. */
export interface KeyDomain {
  chainId: number | bigint;
  epochManager: Address;
}

const UINT64_MAX = (1n << 64n) - 1n;

function bytes32(value: Hex, what: string): Uint8Array {
  if (!isHex(value, { strict: true }) || value.length !== 66) throw new KeyError(`${what} must be 32 bytes of 0x-hex`);
  return hexToBytes(value);
}

/** The member's durable secret: HKDF-SHA256 over its private key, bound to the chain and the EpochManager. */
export function memberSecret(privateKey: Hex, domain: KeyDomain): Hex {
  const ikm = bytes32(privateKey, "private key");
  let chainId: bigint;
  try {
    chainId = BigInt(domain.chainId);
  } catch {
    throw new KeyError(`chain id ${String(domain.chainId)} is not an integer`);
  }
  if (chainId <= 0n || chainId > UINT64_MAX) throw new KeyError(`chain id ${chainId} is out of range`);
  if (!isAddress(domain.epochManager, { strict: false })) throw new KeyError(`EpochManager address ${String(domain.epochManager)} is not an address`);
  const info = hexToBytes(encodeAbiParameters([{ type: "uint256" }, { type: "address" }], [chainId, domain.epochManager]));
  return bytesToHex(new Uint8Array(hkdfSync("sha256", ikm, stringToBytes(MEMBER_SECRET_LABEL), info, 32)));
}

function perEpoch(secret: Hex, label: string, epoch: number | bigint): Hex {
  const key = bytes32(secret, "member secret");
  if ((typeof epoch === "number" && !Number.isSafeInteger(epoch)) || BigInt(epoch) < 0n || BigInt(epoch) > UINT64_MAX) {
    throw new KeyError(`epoch ${String(epoch)} is not a uint64`);
  }
  const e = Buffer.alloc(8);
  e.writeBigUInt64BE(BigInt(epoch));
  const mac = createHmac("sha256", key).update(Buffer.concat([Buffer.from(label, "utf8"), Buffer.from([0]), e])).digest();
  return bytesToHex(new Uint8Array(mac));
}

/** The member's seed share of epoch `e`: committed before the epoch, revealed in its report. */
export function seedShare(secret: Hex, epoch: number | bigint): Hex {
  return perEpoch(secret, KEY_LABELS.seedShare, epoch);
}

/** The member's opening key of epoch `e`, for the openings of the challenges it issues (not used by the oracle yet). */
export function openingKey(secret: Hex, epoch: number | bigint): Hex {
  return perEpoch(secret, KEY_LABELS.openingKey, epoch);
}

/** The member's due-time key of epoch `e`, for the due instants of the challenges it issues (not used by the oracle yet). */
export function dueTimeKey(secret: Hex, epoch: number | bigint): Hex {
  return perEpoch(secret, KEY_LABELS.dueTimeKey, epoch);
}
