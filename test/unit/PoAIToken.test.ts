import { expect } from "chai";
import { PERMIT_TYPES } from "../../protocol";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { E18, MINTED, deployFixture, futureDeadline } from "../support/fixtures";

const { ethers } = hre;

describe("PoAIToken", () => {
  it("is an 18-decimal ERC-20 named PoAI Stake", async () => {
    const fx = await loadFixture(deployFixture);
    expect(await fx.token.name()).to.equal("PoAI Stake");
    expect(await fx.token.symbol()).to.equal("POAI");
    expect(await fx.token.decimals()).to.equal(18n);
    expect(await fx.token.balanceOf(fx.funder.address)).to.equal(MINTED);
  });

  it("only the owner mints", async () => {
    const fx = await loadFixture(deployFixture);
    await expect(fx.token.mint(fx.outsider.address, 5n))
      .to.emit(fx.token, "Transfer")
      .withArgs(ethers.ZeroAddress, fx.outsider.address, 5n);
    await expect(fx.token.connect(fx.outsider).mint(fx.outsider.address, 5n))
      .to.be.revertedWithCustomError(fx.token, "OwnableUnauthorizedAccount")
      .withArgs(fx.outsider.address);
  });

  it("accepts an ERC-2612 permit bound to chain and token", async () => {
    const fx = await loadFixture(deployFixture);
    const owner = fx.funder;
    const spender = fx.outsider.address;
    const deadline = await futureDeadline();
    const domain = { name: "PoAI Stake", version: "1", chainId: fx.chainId, verifyingContract: await fx.token.getAddress() };
    const types = { Permit: [...PERMIT_TYPES.Permit] };
    const value = { owner: owner.address, spender, value: 7n * E18, nonce: 0n, deadline };
    const sig = ethers.Signature.from(await owner.signTypedData(domain, types, value));
    await fx.token.permit(owner.address, spender, 7n * E18, deadline, sig.v, sig.r, sig.s);
    expect(await fx.token.allowance(owner.address, spender)).to.equal(7n * E18);
    // Replaying the same permit fails: the nonce moved on.
    await expect(fx.token.permit(owner.address, spender, 7n * E18, deadline, sig.v, sig.r, sig.s)).to.be.revertedWithCustomError(
      fx.token,
      "ERC2612InvalidSigner",
    );
  });
  it("transfer moves balances as ERC-20 does and refuses the zero recipient and an overdraft", async () => {
    const fx = await loadFixture(deployFixture);
    const [from, to] = [fx.funder, fx.outsider];
    const supply = await fx.token.totalSupply();
    const tx = fx.token.connect(from).transfer(to.address, 3n * E18);
    await expect(tx).to.emit(fx.token, "Transfer").withArgs(from.address, to.address, 3n * E18);
    await expect(tx).to.changeTokenBalances(fx.token, [from, to], [-3n * E18, 3n * E18]);
    expect(await fx.token.totalSupply()).to.equal(supply);
    // A self-transfer leaves the balance as it was.
    await expect(fx.token.connect(to).transfer(to.address, 2n * E18)).to.changeTokenBalance(fx.token, to, 0n);
    await expect(fx.token.connect(to).transfer(ethers.ZeroAddress, 1n))
      .to.be.revertedWithCustomError(fx.token, "ERC20InvalidReceiver")
      .withArgs(ethers.ZeroAddress);
    const held = MINTED + 3n * E18;
    await expect(fx.token.connect(to).transfer(from.address, held + 1n))
      .to.be.revertedWithCustomError(fx.token, "ERC20InsufficientBalance")
      .withArgs(to.address, held, held + 1n);
    expect(await fx.token.balanceOf(to.address)).to.equal(held);
    // transferFrom (OpenZeppelin's own path) reads the balances transfer wrote.
    await fx.token.connect(to).approve(from.address, 3n * E18);
    await fx.token.connect(from).transferFrom(to.address, from.address, 3n * E18);
    expect(await fx.token.balanceOf(to.address)).to.equal(MINTED);
    expect(await fx.token.balanceOf(from.address)).to.equal(MINTED);
  });
});
