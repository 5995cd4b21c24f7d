/**
 * A committee member's key hierarchy. Each member holds one durable secret, derived from its own
 * private key and bound to one deployment; everything the member keeps secret about an epoch
 * derives from it, so nothing of it lives only in a database (a lost database loses no seed):
 *
 *   memberSecret  = HKDF-SHA256(ikm = private key bytes, salt = "poai.member-secret.v1",
 *                               info = abi.encode(uint256 chainId, address epochManager), 32 bytes)
 *   entropy_e     = HMAC-SHA256(memberSecret, "poai.seed-entropy.v1" ‖ 0x00 ‖ uint64be(e))
 *   openingKey_e  = HMAC-SHA256(memberSecret, "poai.opening-key.v1"  ‖ 0x00 ‖ uint64be(e))
 *   dueTimeKey_e  = HMAC-SHA256(memberSecret, "poai.due-time-key.v1" ‖ 0x00 ‖ uint64be(e))
 *   keysHash_e    = keccak256(abi.encode(bytes32 openingKey_e, bytes32 dueTimeKey_e))
 *   seedShare_e   = keccak256(abi.encode(bytes32 keccak256("poai.seed-share.v2"), bytes32 entropy_e, bytes32 keysHash_e))
 *
 * The seed share is committed on chain before epoch `e` (`keccak256(abi.encode(e, seedShare_e))`,
 * protocol/seeds.ts) and revealed in its report. Because the share hashes in `keysHash_e`, that
 * one commitment also fixes the member's opening key and due-time key of the epoch before the
 * epoch starts: after the epoch the member reveals `entropy_e`, `openingKey_e` and `dueTimeKey_e`
 * (`GET /v1/epochs/:epoch/draws`), and anyone checks them against the revealed share and
 * recomputes every opening the member asked for (protocol/openings.ts), so the member cannot have
 * chosen openings after seeing a root. The share reveals only a hash of the keys, so a share
 * known to other members during an epoch says nothing about the openings this member will ask.
 * Due instants still derive from the seed (oracle/epoch/draws.ts), which is secret until the
 * report; the due-time key is fixed now so that moving them to it changes no commitment.
 *
 * HMAC-SHA256 under a secret key is a pseudorandom function, and every label and epoch gives a
 * distinct message, so each output is independent of every other: revealed seeds and keys say
 * nothing about future ones. The labels carry a version: a new derivation gets new labels, never
 * a changed meaning of an old one (committed seeds must stay recomputable after an upgrade).
 * ("poai.seed-share.v1" was the HMAC label of the share itself before the keys were bound into
 * it; it is retired, not reused.)
 *
 * Uses node:crypto, so it is not re-exported from protocol/index.ts (the dApp bundles that).
 */
import { createHmac, hkdfSync } from "node:crypto";
import { bytesToHex, encodeAbiParameters, hexToBytes, isAddress, isHex, keccak256, stringToBytes, type Address, type Hex } from "viem";
import { KeyError } from "./errors";

/** The HKDF salt of the member secret; a new derivation gets a new version. */
export const MEMBER_SECRET_LABEL = "poai.member-secret.v1";
/** The HMAC labels of the per-epoch secrets. */
export const KEY_LABELS = {
  entropy: "poai.seed-entropy.v1",
  openingKey: "poai.opening-key.v1",
  dueTimeKey: "poai.due-time-key.v1",
} as const;
/** The domain tag hashed into a seed share (the share's derivation version). */
export const SEED_SHARE_TAG = keccak256(stringToBytes("poai.seed-share.v2"));

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

/** The member's secret entropy of epoch `e`: the unpredictable part of its seed share. */
export function seedEntropy(secret: Hex, epoch: number | bigint): Hex {
  return perEpoch(secret, KEY_LABELS.entropy, epoch);
}

/** The member's opening key of epoch `e`: the openings of the challenges it issues (protocol/openings.ts). */
export function openingKey(secret: Hex, epoch: number | bigint): Hex {
  return perEpoch(secret, KEY_LABELS.openingKey, epoch);
}

/** The member's due-time key of epoch `e`, reserved for the due instants of the challenges it issues. */
export function dueTimeKey(secret: Hex, epoch: number | bigint): Hex {
  return perEpoch(secret, KEY_LABELS.dueTimeKey, epoch);
}

/** What a member reveals of epoch `e` after it: enough to check its seed share and recompute its draws. */
export interface EpochKeys {
  entropy: Hex;
  openingKey: Hex;
  dueTimeKey: Hex;
}

/** `keccak256(abi.encode(openingKey, dueTimeKey))`: the keys' hash inside the seed share. */
export function keysHash(keys: Pick<EpochKeys, "openingKey" | "dueTimeKey">): Hex {
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [keys.openingKey, keys.dueTimeKey]));
}

/** The seed share that revealed keys open: what an auditor compares with the report's seed. */
export function shareOf(keys: EpochKeys): Hex {
  for (const [what, v] of [["entropy", keys.entropy], ["opening key", keys.openingKey], ["due-time key", keys.dueTimeKey]] as const) bytes32(v, what);
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }], [SEED_SHARE_TAG, keys.entropy, keysHash(keys)]));
}

/** The member's keys of epoch `e` (secret until the epoch is over). */
export function epochKeys(secret: Hex, epoch: number | bigint): EpochKeys {
  return { entropy: seedEntropy(secret, epoch), openingKey: openingKey(secret, epoch), dueTimeKey: dueTimeKey(secret, epoch) };
}

/** The member's seed share of epoch `e`: committed before the epoch, revealed in its report; it binds the epoch's keys. */
export function seedShare(secret: Hex, epoch: number | bigint): Hex {
  return shareOf(epochKeys(secret, epoch));
}
