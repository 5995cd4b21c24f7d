/**
 * The devnet's accounts: Hardhat's well-known test mnemonic (public, worthless outside a
 * devnet). Roles by index: 0 deployer, governance and first committee member; 1, 2 the other
 * committee members; 10.. node operators (one per node, so every operator is distinct).
 */
import { HDNodeWallet, Mnemonic } from "ethers";
import type { Address, Hex } from "viem";

export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
export const DEPLOYER_INDEX = 0;
export const COMMITTEE_INDICES = [0, 1, 2] as const;
export const FIRST_OPERATOR_INDEX = 10;

export interface DevAccount {
  index: number;
  address: Address;
  privateKey: Hex;
}

export function devAccount(index: number): DevAccount {
  const w = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(HARDHAT_MNEMONIC), `m/44'/60'/0'/0/${index}`);
  return { index, address: w.address as Address, privateKey: w.privateKey as Hex };
}
