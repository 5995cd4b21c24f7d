/**
 * Typed-data signing for tests, from the message definitions in protocol/eip712.ts: the node key's
 * Registration and the committee's EpochReport (signatures sorted by signer address, as Settlement
 * requires).
 */
import type { Signer, TypedDataField } from "ethers";
import type { Address, Hex } from "viem";
import {
  EPOCH_REPORT_TYPES,
  REGISTRATION_TYPES,
  REGISTRY_DOMAIN_NAME,
  SETTLEMENT_DOMAIN_NAME,
  domain,
  slashListHash,
  type EpochReport,
  type SlashEntry,
} from "../../protocol";

type Types = Record<string, TypedDataField[]>;
const ZERO = ("0x" + "00".repeat(32)) as Hex;
const asTypes = (t: unknown) => t as Types;

export interface Registration {
  operator: string;
  nodeKey: string;
  nonce: bigint;
  deadline: bigint;
}

export async function signRegistration(
  nodeKey: Signer,
  chainId: bigint,
  registry: string,
  reg: Registration,
): Promise<string> {
  return nodeKey.signTypedData(
    domain(REGISTRY_DOMAIN_NAME, chainId, registry as Address),
    asTypes(REGISTRATION_TYPES),
    reg,
  );
}

/** Signs `report` with each signer and returns the signatures ordered by ascending signer address. */
export async function signReport(
  signers: Signer[],
  chainId: bigint,
  settlement: string,
  report: EpochReport,
): Promise<string[]> {
  const withAddr = await Promise.all(
    signers.map(async (s) => ({
      addr: (await s.getAddress()).toLowerCase(),
      sig: await s.signTypedData(
        domain(SETTLEMENT_DOMAIN_NAME, chainId, settlement as Address),
        asTypes(EPOCH_REPORT_TYPES),
        report,
      ),
    })),
  );
  withAddr.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  return withAddr.map((x) => x.sig);
}

/** A Solidity `Slash` tuple for ethers calls. */
export function slashTuple(s: SlashEntry) {
  return { node: s.node, bps: s.bps, reason: Number(s.reason), evidence: s.evidence };
}

/** Builds a report whose slashListHash matches `slashes` (parent, shares and leases zero unless given). */
export function buildReport(fields: {
  epoch: bigint;
  parent?: Hex;
  seed: Hex;
  sharesHash?: Hex;
  leasesRoot?: Hex;
  rewardsRoot: Hex;
  rewardsTotal: bigint;
  statsRoot?: Hex;
  slashes?: SlashEntry[];
  configVersion: bigint;
}): EpochReport {
  return {
    epoch: fields.epoch,
    parent: fields.parent ?? ZERO,
    seed: fields.seed,
    sharesHash: fields.sharesHash ?? ZERO,
    rewardsRoot: fields.rewardsRoot,
    rewardsTotal: fields.rewardsTotal,
    statsRoot: fields.statsRoot ?? (("0x" + "ab".repeat(32)) as Hex),
    slashListHash: slashListHash(fields.slashes ?? []),
    leasesRoot: fields.leasesRoot ?? ZERO,
    configVersion: fields.configVersion,
  };
}
