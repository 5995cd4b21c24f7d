/**
 * Attacks on node registration: taking over someone else's node key, replaying a registration
 * signature, using one made for another registry or chain, or after its deadline.
 */
import { expect } from "chai";
import { PERMIT_TYPES } from "../../protocol";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { CLAIM, deployProtocol, newNodeKey, registerNode, signRegistration } from "../../scripts/hardhat-protocol";

const STAKE = ethers.parseEther("2000");

async function fixture() {
  const p = await deployProtocol();
  const [victim, attacker] = p.operators;
  for (const a of [victim, attacker]) {
    await p.token.connect(p.admin).mint(a.address, 10n * STAKE);
    await p.token.connect(a).approve(await p.registry.getAddress(), ethers.MaxUint256);
  }
  return { p, victim, attacker };
}

async function deadline(): Promise<bigint> {
  return BigInt(await time.latest()) + 3600n;
}

describe("attacks: registration", function () {
  it("an operator cannot register a node key it does not hold", async function () {
    // Defence: the node key's EIP-712 signature over Registration(operator = msg.sender, ...):
    // `recovered != nodeKey` → NodeRegistryInvalidSignature in _register.
    const { p, attacker } = await loadFixture(fixture);
    const victimKey = newNodeKey();
    const attackerKey = newNodeKey();
    const dl = await deadline();
    // The attacker signs with its own key and names the victim's node key.
    const forged = await attackerKey.signTypedData(
      { name: "PoAI NodeRegistry", version: "1", chainId: p.chainId, verifyingContract: await p.registry.getAddress() },
      {
        Registration: [
          { name: "operator", type: "address" },
          { name: "nodeKey", type: "address" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      { operator: attacker.address, nodeKey: victimKey.address, nonce: 0n, deadline: dl },
    );
    await expect(p.registry.connect(attacker).register(victimKey.address, CLAIM, STAKE, dl, forged))
      .to.be.revertedWithCustomError(p.registry, "NodeRegistryInvalidSignature")
      .withArgs(victimKey.address, attackerKey.address);
    // No signature at all.
    await expect(p.registry.connect(attacker).register(victimKey.address, CLAIM, STAKE, dl, "0x"))
      .to.be.revertedWithCustomError(p.registry, "NodeRegistryInvalidSignature")
      .withArgs(victimKey.address, ethers.ZeroAddress);
    expect(await p.registry.nodeCount()).to.equal(0n);
  });

  it("a registration signature taken from the mempool cannot be used by another operator", async function () {
    // Defence: `operator` is msg.sender inside the signed digest (registrationDigest(msg.sender, ...)).
    // Without it a front-runner would register the victim's node under its own stake and receive the
    // node's rewards.
    const { p, victim, attacker } = await loadFixture(fixture);
    const key = newNodeKey();
    const dl = await deadline();
    const sig = await signRegistration(p, key, victim.address, dl);
    await expect(p.registry.connect(attacker).register(key.address, CLAIM, STAKE, dl, sig)).to.be.revertedWithCustomError(
      p.registry,
      "NodeRegistryInvalidSignature",
    );
    await expect(p.registry.connect(victim).register(key.address, CLAIM, STAKE, dl, sig)).to.emit(
      p.registry,
      "NodeRegistered",
    );
    expect((await p.registry.getNode(key.address)).operator).to.equal(victim.address);
  });

  it("a used registration signature cannot be replayed after the node exits", async function () {
    // Defence: the nonce (`_useNonce(nodeKey)` inside the digest). Scenario: the node key leaves operator
    // A for good; A still holds A's old signature (deadline far away) and replays it to bind the key
    // to A again. Without the nonce the replay would succeed.
    const { p, victim: formerOperator } = await loadFixture(fixture);
    const key = newNodeKey();
    const dl = BigInt(await time.latest()) + 365n * 86_400n;
    const sig = await signRegistration(p, key, formerOperator.address, dl);
    await p.registry.connect(formerOperator).register(key.address, CLAIM, STAKE, dl, sig);
    expect(await p.registry.nonces(key.address)).to.equal(1n);
    await p.registry.connect(formerOperator).deregister(key.address);
    await time.increase(await p.registry.unbondingDelay());
    await p.registry.connect(formerOperator).withdraw(key.address);
    // Fully exited: a fresh registration would be allowed, but not with the old signature.
    await expect(p.registry.connect(formerOperator).register(key.address, CLAIM, STAKE, dl, sig))
      .to.be.revertedWithCustomError(p.registry, "NodeRegistryInvalidSignature");
    // A fresh consent (nonce 1) works.
    const fresh = await signRegistration(p, key, formerOperator.address, dl);
    await expect(p.registry.connect(formerOperator).register(key.address, CLAIM, STAKE, dl, fresh)).to.emit(
      p.registry,
      "NodeRegistered",
    );
  });

  it("a registration signed for another registry or another chain is rejected", async function () {
    // Defence: the EIP-712 domain (chain id read live, verifyingContract = this registry).
    const { p, victim } = await loadFixture(fixture);
    const key = newNodeKey();
    const dl = await deadline();
    const otherRegistry = await ethers.deployContract("NodeRegistry", [
      await p.token.getAddress(),
      p.admin.address,
      86_400,
      0,
      0,
      0,
    ]);
    const forOther = await signRegistration(p, key, victim.address, dl, { registry: await otherRegistry.getAddress() });
    await expect(p.registry.connect(victim).register(key.address, CLAIM, STAKE, dl, forOther)).to.be.revertedWithCustomError(
      p.registry,
      "NodeRegistryInvalidSignature",
    );
    const otherChain = await signRegistration(p, key, victim.address, dl, { chainId: 1n });
    await expect(p.registry.connect(victim).register(key.address, CLAIM, STAKE, dl, otherChain)).to.be.revertedWithCustomError(
      p.registry,
      "NodeRegistryInvalidSignature",
    );
  });

  it("a registration signature past its deadline is rejected", async function () {
    // Defence: `block.timestamp > deadline` → NodeRegistrySignatureExpired.
    const { p, victim } = await loadFixture(fixture);
    const key = newNodeKey();
    const dl = await deadline();
    const sig = await signRegistration(p, key, victim.address, dl);
    await time.setNextBlockTimestamp(dl + 1n);
    await expect(p.registry.connect(victim).register(key.address, CLAIM, STAKE, dl, sig))
      .to.be.revertedWithCustomError(p.registry, "NodeRegistrySignatureExpired")
      .withArgs(dl, dl + 1n);
  });

  it("a registered node cannot be taken over, even with a fresh signature of its key", async function () {
    // Defence: NodeRegistryAlreadyRegistered unless the node exited and withdrew everything; otherwise a
    // (compromised or colluding) key could move a slashable stake's node to a new operator.
    const { p, victim, attacker } = await loadFixture(fixture);
    const key = newNodeKey();
    await registerNode(p, victim, key, STAKE);
    const dl = await deadline();
    const sig = await signRegistration(p, key, attacker.address, dl);
    await expect(p.registry.connect(attacker).register(key.address, CLAIM, STAKE, dl, sig))
      .to.be.revertedWithCustomError(p.registry, "NodeRegistryAlreadyRegistered")
      .withArgs(key.address);
    // Exiting but with stake still unbonding (slashable): still refused.
    await p.registry.connect(victim).deregister(key.address);
    await expect(p.registry.connect(attacker).register(key.address, CLAIM, STAKE, dl, sig)).to.be.revertedWithCustomError(
      p.registry,
      "NodeRegistryAlreadyRegistered",
    );
  });

  it("only the operator moves a node's stake", async function () {
    // Defence: _operatorNode: `n.operator != msg.sender` → NodeRegistryNotOperator on topUp, updateClaim,
    // requestUnbond, withdraw and deregister.
    const { p, victim, attacker } = await loadFixture(fixture);
    const key = newNodeKey();
    await registerNode(p, victim, key, STAKE);
    const calls = [
      () => p.registry.connect(attacker).requestUnbond(key.address, 1n),
      () => p.registry.connect(attacker).withdraw(key.address),
      () => p.registry.connect(attacker).deregister(key.address),
      () => p.registry.connect(attacker).updateClaim(key.address, CLAIM),
      () => p.registry.connect(attacker).topUp(key.address, 1n),
    ];
    for (const call of calls) {
      await expect(call())
        .to.be.revertedWithCustomError(p.registry, "NodeRegistryNotOperator")
        .withArgs(key.address, attacker.address);
    }
  });

  it("a front-run permit does not block a registration", async function () {
    // Defence: registerWithPermit ignores a failing permit (try/catch) and lets the transfer decide, so
    // copying the permit from the mempool and submitting it first only wastes the attacker's gas.
    const { p, attacker } = await loadFixture(fixture);
    const [, , operator] = p.operators;
    await p.token.connect(p.admin).mint(operator.address, STAKE);
    const key = newNodeKey();
    const dl = await deadline();
    const sig = await signRegistration(p, key, operator.address, dl);
    const tokenAddr = await p.token.getAddress();
    const permit = ethers.Signature.from(
      await operator.signTypedData(
        { name: "PoAI Stake", version: "1", chainId: p.chainId, verifyingContract: tokenAddr },
        { Permit: [...PERMIT_TYPES.Permit] },
        { owner: operator.address, spender: await p.registry.getAddress(), value: STAKE, nonce: 0n, deadline: dl },
      ),
    );
    const token = await ethers.getContractAt("ERC20Permit", tokenAddr);
    await token.connect(attacker).permit(operator.address, await p.registry.getAddress(), STAKE, dl, permit.v, permit.r, permit.s);
    await expect(
      p.registry.connect(operator).registerWithPermit(key.address, CLAIM, STAKE, dl, sig, dl, permit.v, permit.r, permit.s),
    ).to.emit(p.registry, "NodeRegistered");
  });
});
