import { expect } from "chai";
import { PERMIT_TYPES } from "../../protocol";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  E18,
  TEST_PARAMS,
  claimOf,
  deployFixture,
  minStakeFor,
  registerNode,
  registrationSig,
  type Fixture,
  futureDeadline,
} from "../support/fixtures";
import { signRegistration } from "../support/signing";
import { impersonated } from "../../scripts/hardhat-protocol";

const { ethers } = hre;
const Status = { None: 0n, Active: 1n, Jailed: 2n, Exiting: 3n };
const DAY = 86_400n;

/** The registry driven by its only slasher, Settlement, impersonated (SLASHER_ROLE cannot be granted again). */
async function withSlasher() {
  const fx = await deployFixture();
  const slasher = await impersonated(await fx.settlement.getAddress());
  return { ...fx, slasher };
}

describe("NodeRegistry", () => {
  describe("deployment", () => {
    it("stores parameters and the token", async () => {
      const fx = await loadFixture(deployFixture);
      expect(await fx.registry.stakeToken()).to.equal(await fx.token.getAddress());
      expect(await fx.registry.unbondingDelay()).to.equal(TEST_PARAMS.unbondingDelay);
      expect(await fx.registry.jailDuration()).to.equal(TEST_PARAMS.jailDuration);
      expect(await fx.registry.minStakeBase()).to.equal(TEST_PARAMS.minStakeBase);
      expect(await fx.registry.minStakePerTflop()).to.equal(TEST_PARAMS.minStakePerTflop);
      expect(await fx.registry.nodeCount()).to.equal(0n);
    });

    it("rejects a zero token or admin and out-of-bounds parameters", async () => {
      const fx = await loadFixture(deployFixture);
      const F = await ethers.getContractFactory("NodeRegistry");
      const token = await fx.token.getAddress();
      const admin = fx.governance.address;
      await expect(F.deploy(ethers.ZeroAddress, admin, 10, 10, 0, 0)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryZeroAddress",
      );
      await expect(F.deploy(token, ethers.ZeroAddress, 10, 10, 0, 0)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryZeroAddress",
      );
      await expect(F.deploy(token, admin, 0, 10, 0, 0)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryUnbondingDelayOutOfBounds",
      );
    });
  });

  describe("register", () => {
    it("registers a node, pulls the stake and emits NodeRegistered", async () => {
      const fx = await loadFixture(deployFixture);
      const op = fx.operators[0];
      const nodeKey = ethers.Wallet.createRandom();
      const claim = claimOf(12_345);
      const amount = minStakeFor(12_345);
      const { sig, deadline } = await registrationSig(fx, nodeKey, op.address);
      await fx.token.connect(op).approve(await fx.registry.getAddress(), amount);
      const tx = await fx.registry.connect(op).register(nodeKey.address, claim, amount, deadline, sig);
      await expect(tx).to.emit(fx.registry, "NodeRegistered").withArgs(nodeKey.address, op.address, Object.values(claim), amount);
      await expect(tx).to.changeTokenBalances(fx.token, [op, fx.registry], [-amount, amount]);
      const n = await fx.registry.getNode(nodeKey.address);
      expect(n.operator).to.equal(op.address);
      expect(n.status).to.equal(Status.Active);
      expect(n.stake).to.equal(amount);
      expect(n.claim.gflops).to.equal(12_345n);
      expect(await fx.registry.nonces(nodeKey.address)).to.equal(1n);
      expect(await fx.registry.totalActiveStake()).to.equal(amount);
      expect(await fx.registry.nodeAt(0)).to.equal(nodeKey.address);
    });

    it("computes the minimum stake rounding up, against the operator", async () => {
      const fx = await loadFixture(deployFixture);
      await fx.registry.connect(fx.timelockSigner).setMinStakePerTflop(1n);
      // 1 wei per TFLOP/s and 1 GFLOP/s: 1/1000 wei rounds up to 1.
      expect(await fx.registry.minimumStake(claimOf(1))).to.equal(TEST_PARAMS.minStakeBase + 1n);
      expect(await fx.registry.minimumStake(claimOf(1000))).to.equal(TEST_PARAMS.minStakeBase + 1n);
      expect(await fx.registry.minimumStake(claimOf(1001))).to.equal(TEST_PARAMS.minStakeBase + 2n);
    });

    it("rejects a stake below the minimum for the claim", async () => {
      const fx = await loadFixture(deployFixture);
      const need = minStakeFor(10_000);
      await expect(registerNode(fx, fx.operators[0], { gflops: 10_000, amount: need - 1n }))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryInsufficientStake")
        .withArgs(need - 1n, need);
    });

    it("rejects a zero-throughput claim", async () => {
      const fx = await loadFixture(deployFixture);
      await expect(registerNode(fx, fx.operators[0], { gflops: 0, amount: 1000n * E18 })).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryInvalidClaim",
      );
      await expect(fx.registry.minimumStake(claimOf(0))).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryInvalidClaim",
      );
    });

    it("rejects the zero node key", async () => {
      const fx = await loadFixture(deployFixture);
      await expect(
        fx.registry.connect(fx.operators[0]).register(ethers.ZeroAddress, claimOf(1000), 0n, 0n, "0x"),
      ).to.be.revertedWithCustomError(fx.registry, "NodeRegistryZeroNodeKey");
    });

    it("rejects a node key that is already registered", async () => {
      const fx = await loadFixture(deployFixture);
      const n = await registerNode(fx, fx.operators[0]);
      await expect(registerNode(fx, fx.operators[1], { nodeKey: n.nodeKey }))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryAlreadyRegistered")
        .withArgs(n.node);
    });

    it("rejects an expired signature", async () => {
      const fx = await loadFixture(deployFixture);
      const op = fx.operators[0];
      const nodeKey = ethers.Wallet.createRandom();
      const deadline = BigInt(await time.latest()) - 1n;
      const { sig } = await registrationSig(fx, nodeKey, op.address, { deadline });
      await expect(fx.registry.connect(op).register(nodeKey.address, claimOf(1000), minStakeFor(1000), deadline, sig))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistrySignatureExpired");
    });

    it("rejects a signature by another key, for another operator, with a stale nonce or malformed", async () => {
      const fx = await loadFixture(deployFixture);
      const [op, other] = fx.operators;
      const nodeKey = ethers.Wallet.createRandom();
      const amount = minStakeFor(1000);
      await fx.token.connect(op).approve(await fx.registry.getAddress(), amount);
      // Signed by a different key.
      const wrong = await registrationSig(fx, ethers.Wallet.createRandom(), op.address);
      await expect(
        fx.registry.connect(op).register(nodeKey.address, claimOf(1000), amount, wrong.deadline, wrong.sig),
      ).to.be.revertedWithCustomError(fx.registry, "NodeRegistryInvalidSignature");
      // Signed for another operator: the caller cannot reuse it.
      const forOther = await registrationSig(fx, nodeKey, other.address);
      await expect(
        fx.registry.connect(op).register(nodeKey.address, claimOf(1000), amount, forOther.deadline, forOther.sig),
      ).to.be.revertedWithCustomError(fx.registry, "NodeRegistryInvalidSignature");
      // A nonce other than the current one.
      const stale = await registrationSig(fx, nodeKey, op.address, { nonce: 5n });
      await expect(
        fx.registry.connect(op).register(nodeKey.address, claimOf(1000), amount, stale.deadline, stale.sig),
      ).to.be.revertedWithCustomError(fx.registry, "NodeRegistryInvalidSignature");
      // Malformed bytes.
      await expect(
        fx.registry.connect(op).register(nodeKey.address, claimOf(1000), amount, stale.deadline, "0x1234"),
      )
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryInvalidSignature")
        .withArgs(nodeKey.address, ethers.ZeroAddress);
    });

    it("rejects a signature bound to another chain id or another registry", async () => {
      const fx = await loadFixture(deployFixture);
      const op = fx.operators[0];
      const nodeKey = ethers.Wallet.createRandom();
      const amount = minStakeFor(1000);
      await fx.token.connect(op).approve(await fx.registry.getAddress(), amount);
      const deadline = await futureDeadline();
      const reg = { operator: op.address, nodeKey: nodeKey.address, nonce: 0n, deadline };
      const otherChain = await signRegistration(nodeKey, fx.chainId + 1n, await fx.registry.getAddress(), reg);
      await expect(
        fx.registry.connect(op).register(nodeKey.address, claimOf(1000), amount, deadline, otherChain),
      ).to.be.revertedWithCustomError(fx.registry, "NodeRegistryInvalidSignature");
      const otherRegistry = await signRegistration(nodeKey, fx.chainId, await fx.settlement.getAddress(), reg);
      await expect(
        fx.registry.connect(op).register(nodeKey.address, claimOf(1000), amount, deadline, otherRegistry),
      ).to.be.revertedWithCustomError(fx.registry, "NodeRegistryInvalidSignature");
      // The digest view matches what the node key signs.
      const good = await signRegistration(nodeKey, fx.chainId, await fx.registry.getAddress(), reg);
      const digest = await fx.registry.registrationDigest(op.address, nodeKey.address, 0n, deadline);
      expect(ethers.recoverAddress(digest, good)).to.equal(nodeKey.address);
    });

    it("refuses a fee-on-transfer stake token", async () => {
      const fx = await loadFixture(deployFixture);
      const fee = await (await ethers.getContractFactory("TestFeeToken")).deploy();
      const registry = await (
        await ethers.getContractFactory("NodeRegistry")
      ).deploy(await fee.getAddress(), fx.governance.address, 100, 100, 100n * E18, 0);
      const op = fx.operators[0];
      await fee.mint(op.address, 1000n * E18);
      await fee.connect(op).approve(await registry.getAddress(), 100n * E18);
      const nodeKey = ethers.Wallet.createRandom();
      const deadline = await futureDeadline();
      const sig = await signRegistration(nodeKey, fx.chainId, await registry.getAddress(), {
        operator: op.address,
        nodeKey: nodeKey.address,
        nonce: 0n,
        deadline,
      });
      await expect(registry.connect(op).register(nodeKey.address, claimOf(1000), 100n * E18, deadline, sig))
        .to.be.revertedWithCustomError(registry, "NodeRegistryTransferShortfall")
        .withArgs(100n * E18, 99n * E18);
    });

    it("registers with a permit instead of an approval", async () => {
      const fx = await loadFixture(deployFixture);
      const op = fx.operators[0];
      const nodeKey = ethers.Wallet.createRandom();
      const amount = minStakeFor(1000);
      const { sig, deadline } = await registrationSig(fx, nodeKey, op.address);
      const registryAddr = await fx.registry.getAddress();
      const permitDeadline = await futureDeadline();
      const permitSig = ethers.Signature.from(
        await op.signTypedData(
          { name: "PoAI Stake", version: "1", chainId: fx.chainId, verifyingContract: await fx.token.getAddress() },
          { Permit: [...PERMIT_TYPES.Permit] },
          { owner: op.address, spender: registryAddr, value: amount, nonce: 0n, deadline: permitDeadline },
        ),
      );
      await expect(
        fx.registry
          .connect(op)
          .registerWithPermit(
            nodeKey.address,
            claimOf(1000),
            amount,
            deadline,
            sig,
            permitDeadline,
            permitSig.v,
            permitSig.r,
            permitSig.s,
          ),
      ).to.emit(fx.registry, "NodeRegistered");
      expect((await fx.registry.getNode(nodeKey.address)).stake).to.equal(amount);
    });

    it("with a failed permit, registers on an existing allowance and otherwise reverts", async () => {
      const fx = await loadFixture(deployFixture);
      const op = fx.operators[0];
      const amount = minStakeFor(1000);
      const badR = ethers.ZeroHash;
      const k1 = ethers.Wallet.createRandom();
      const s1 = await registrationSig(fx, k1, op.address);
      await expect(
        fx.registry.connect(op).registerWithPermit(k1.address, claimOf(1000), amount, s1.deadline, s1.sig, 0n, 27, badR, badR),
      ).to.be.revertedWithCustomError(fx.token, "ERC20InsufficientAllowance");
      await fx.token.connect(op).approve(await fx.registry.getAddress(), amount);
      await expect(
        fx.registry.connect(op).registerWithPermit(k1.address, claimOf(1000), amount, s1.deadline, s1.sig, 0n, 27, badR, badR),
      ).to.emit(fx.registry, "NodeRegistered");
    });

    it("lets an exited, fully withdrawn node key register again with a fresh signature", async () => {
      const fx = await loadFixture(deployFixture);
      const [op, other] = fx.operators;
      const n = await registerNode(fx, op);
      await fx.registry.connect(op).deregister(n.node);
      // Still unbonding: cannot re-register yet.
      await expect(registerNode(fx, other, { nodeKey: n.nodeKey })).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryAlreadyRegistered",
      );
      await time.increase(TEST_PARAMS.unbondingDelay);
      await fx.registry.connect(op).withdraw(n.node);
      await registerNode(fx, other, { nodeKey: n.nodeKey });
      const node = await fx.registry.getNode(n.node);
      expect(node.operator).to.equal(other.address);
      expect(node.status).to.equal(Status.Active);
      expect(await fx.registry.nonces(n.node)).to.equal(2n);
      expect(await fx.registry.nodeCount()).to.equal(1n);
    });
  });

  describe("operator actions", () => {
    it("topUp adds stake and emits StakeAdded", async () => {
      const fx = await loadFixture(deployFixture);
      const n = await registerNode(fx, fx.operators[0]);
      await fx.token.connect(n.operator).approve(await fx.registry.getAddress(), 5n * E18);
      await expect(fx.registry.connect(n.operator).topUp(n.node, 5n * E18))
        .to.emit(fx.registry, "StakeAdded")
        .withArgs(n.node, n.operator.address, 5n * E18, n.amount + 5n * E18);
      expect(await fx.registry.totalActiveStake()).to.equal(n.amount + 5n * E18);
    });

    it("topUp rejects zero, unknown nodes, other callers and exiting nodes", async () => {
      const fx = await loadFixture(deployFixture);
      const n = await registerNode(fx, fx.operators[0]);
      await expect(fx.registry.connect(n.operator).topUp(n.node, 0n)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryZeroAmount",
      );
      await expect(fx.registry.connect(n.operator).topUp(fx.outsider.address, 1n))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryUnknownNode")
        .withArgs(fx.outsider.address);
      await expect(fx.registry.connect(fx.operators[1]).topUp(n.node, 1n))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryNotOperator")
        .withArgs(n.node, fx.operators[1].address);
      await fx.registry.connect(n.operator).deregister(n.node);
      await expect(fx.registry.connect(n.operator).topUp(n.node, 1n))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryNodeExiting")
        .withArgs(n.node);
    });

    it("updateClaim re-checks the minimum stake and emits ClaimUpdated", async () => {
      const fx = await loadFixture(deployFixture);
      const n = await registerNode(fx, fx.operators[0], { gflops: 10_000 });
      const bigger = claimOf(20_000);
      await expect(fx.registry.connect(n.operator).updateClaim(n.node, bigger))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryInsufficientStake")
        .withArgs(n.amount, minStakeFor(20_000));
      const smaller = claimOf(5_000, { gpuModel: 7 });
      await expect(fx.registry.connect(n.operator).updateClaim(n.node, smaller))
        .to.emit(fx.registry, "ClaimUpdated")
        .withArgs(n.node, Object.values(n.claim), Object.values(smaller));
      expect((await fx.registry.getNode(n.node)).claim.gpuModel).to.equal(7n);
      await expect(fx.registry.connect(n.operator).updateClaim(n.node, claimOf(0))).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryInvalidClaim",
      );
      await expect(fx.registry.connect(fx.outsider).updateClaim(n.node, smaller)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryNotOperator",
      );
      await fx.registry.connect(n.operator).deregister(n.node);
      await expect(fx.registry.connect(n.operator).updateClaim(n.node, smaller)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryNodeExiting",
      );
    });

    it("requestUnbond keeps the minimum, restarts the delay and emits UnbondRequested", async () => {
      const fx = await loadFixture(deployFixture);
      const n = await registerNode(fx, fx.operators[0], { gflops: 10_000, amount: minStakeFor(10_000) + 10n * E18 });
      await expect(fx.registry.connect(n.operator).requestUnbond(n.node, 0n)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryZeroAmount",
      );
      await expect(fx.registry.connect(n.operator).requestUnbond(n.node, n.amount + 1n))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryUnbondExceedsStake")
        .withArgs(n.amount + 1n, n.amount);
      await expect(fx.registry.connect(n.operator).requestUnbond(n.node, 10n * E18 + 1n))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryInsufficientStake")
        .withArgs(minStakeFor(10_000) - 1n, minStakeFor(10_000));
      await expect(fx.registry.connect(fx.outsider).requestUnbond(n.node, 1n)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryNotOperator",
      );

      const t1 = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(t1);
      await expect(fx.registry.connect(n.operator).requestUnbond(n.node, 4n * E18))
        .to.emit(fx.registry, "UnbondRequested")
        .withArgs(n.node, 4n * E18, 4n * E18, t1 + TEST_PARAMS.unbondingDelay);
      await time.increase(DAY);
      const t2 = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(t2);
      // A second request restarts the release time of the whole unbonding amount.
      await expect(fx.registry.connect(n.operator).requestUnbond(n.node, 6n * E18))
        .to.emit(fx.registry, "UnbondRequested")
        .withArgs(n.node, 6n * E18, 10n * E18, t2 + TEST_PARAMS.unbondingDelay);
      expect(await fx.registry.totalActiveStake()).to.equal(minStakeFor(10_000));
      expect(await fx.registry.totalUnbonding()).to.equal(10n * E18);
      await fx.registry.connect(n.operator).deregister(n.node);
      await expect(fx.registry.connect(n.operator).requestUnbond(n.node, 1n)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryNodeExiting",
      );
    });

    it("withdraw pays only after the delay and only what is unbonding", async () => {
      const fx = await loadFixture(deployFixture);
      const n = await registerNode(fx, fx.operators[0]);
      await expect(fx.registry.connect(n.operator).withdraw(n.node))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryNothingToWithdraw")
        .withArgs(n.node);
      await fx.registry.connect(n.operator).deregister(n.node);
      const release = (await fx.registry.getNode(n.node)).unbondReleaseTime;
      await expect(fx.registry.connect(n.operator).withdraw(n.node)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryUnbondingNotReleased",
      );
      await expect(fx.registry.connect(fx.outsider).withdraw(n.node)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryNotOperator",
      );
      await time.increaseTo(release);
      const tx = await fx.registry.connect(n.operator).withdraw(n.node);
      await expect(tx).to.emit(fx.registry, "StakeWithdrawn").withArgs(n.node, n.operator.address, n.amount);
      await expect(tx).to.changeTokenBalances(fx.token, [n.operator, fx.registry], [n.amount, -n.amount]);
      expect(await fx.registry.totalUnbonding()).to.equal(0n);
    });

    it("deregister moves all stake into unbonding and marks the node Exiting", async () => {
      const fx = await loadFixture(deployFixture);
      const n = await registerNode(fx, fx.operators[0]);
      const t = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(t);
      await expect(fx.registry.connect(n.operator).deregister(n.node))
        .to.emit(fx.registry, "NodeDeregistered")
        .withArgs(n.node, n.amount, t + TEST_PARAMS.unbondingDelay);
      const node = await fx.registry.getNode(n.node);
      expect(node.status).to.equal(Status.Exiting);
      expect(node.stake).to.equal(0n);
      expect(node.unbonding).to.equal(n.amount);
      await expect(fx.registry.connect(n.operator).deregister(n.node)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryNodeExiting",
      );
      await expect(fx.registry.connect(n.operator).deregister(fx.outsider.address)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistryUnknownNode",
      );
    });
  });

  describe("slash", () => {
    it("takes active stake first, rounds up, jails and pays the slasher", async () => {
      const fx = await loadFixture(withSlasher);
      const n = await registerNode(fx, fx.operators[0], { amount: minStakeFor(10_000) + 1n });
      const stake = n.amount;
      const expected = (stake * 3333n + 9999n) / 10_000n; // rounded up
      const t = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(t);
      const tx = await fx.registry.connect(fx.slasher).slash(n.node, 3333);
      await expect(tx).to.emit(fx.registry, "NodeSlashed").withArgs(n.node, 3333, expected, 0n, t + TEST_PARAMS.jailDuration);
      await expect(tx).to.changeTokenBalances(fx.token, [fx.slasher, fx.registry], [expected, -expected]);
      const node = await fx.registry.getNode(n.node);
      expect(node.stake).to.equal(stake - expected);
      expect(node.status).to.equal(Status.Jailed);
      await time.increaseTo(node.jailedUntil);
      expect((await fx.registry.getNode(n.node)).status).to.equal(Status.Active);
    });

    it("reaches into unbonding stake once active stake is gone", async () => {
      const fx = await loadFixture(withSlasher);
      const n = await registerNode(fx, fx.operators[0], { amount: minStakeFor(10_000) + 100n * E18 });
      await fx.registry.connect(n.operator).requestUnbond(n.node, 100n * E18);
      const total = n.amount;
      const stake = total - 100n * E18;
      const amount = (total * 9000n + 9999n) / 10_000n;
      await expect(fx.registry.connect(fx.slasher).slash(n.node, 9000))
        .to.emit(fx.registry, "NodeSlashed")
        .withArgs(n.node, 9000, stake, amount - stake, (v: bigint) => v > 0n);
      const node = await fx.registry.getNode(n.node);
      expect(node.stake).to.equal(0n);
      expect(node.unbonding).to.equal(total - amount);
      expect(await fx.registry.totalUnbonding()).to.equal(total - amount);
    });

    it("never takes more than the node has, and slashes an exiting node", async () => {
      const fx = await loadFixture(withSlasher);
      const n = await registerNode(fx, fx.operators[0]);
      await fx.registry.connect(n.operator).deregister(n.node);
      await expect(fx.registry.connect(fx.slasher).slash(n.node, 10_000))
        .to.emit(fx.registry, "NodeSlashed")
        .withArgs(n.node, 10_000, 0n, n.amount, (v: bigint) => v > 0n);
      const node = await fx.registry.getNode(n.node);
      expect(node.unbonding).to.equal(0n);
      expect(node.status).to.equal(Status.Exiting);
    });

    it("does not revert on a node with zero stake and returns 0 for an unknown node", async () => {
      const fx = await loadFixture(withSlasher);
      const n = await registerNode(fx, fx.operators[0]);
      await fx.registry.connect(fx.slasher).slash(n.node, 10_000);
      await expect(fx.registry.connect(fx.slasher).slash(n.node, 5_000))
        .to.emit(fx.registry, "NodeSlashed")
        .withArgs(n.node, 5_000, 0n, 0n, (v: bigint) => v > 0n);
      expect(await fx.registry.connect(fx.slasher).slash.staticCall(fx.outsider.address, 5_000)).to.equal(0n);
      await expect(fx.registry.connect(fx.slasher).slash(fx.outsider.address, 5_000)).not.to.emit(
        fx.registry,
        "NodeSlashed",
      );
    });

    it("isEligible: active, not jailed, stake at or above the minimum", async () => {
      const fx = await loadFixture(withSlasher);
      const n = await registerNode(fx, fx.operators[0]);
      expect(await fx.registry.isEligible(n.node)).to.equal(true);
      expect(await fx.registry.isEligible(fx.outsider.address)).to.equal(false);
      await fx.registry.connect(fx.slasher).slash(n.node, 1);
      // Jailed, and below the minimum after the slash.
      expect(await fx.registry.isEligible(n.node)).to.equal(false);
      await time.increase(TEST_PARAMS.jailDuration);
      expect(await fx.registry.isEligible(n.node)).to.equal(false);
      await fx.token.connect(n.operator).approve(await fx.registry.getAddress(), E18);
      await fx.registry.connect(n.operator).topUp(n.node, E18);
      expect(await fx.registry.isEligible(n.node)).to.equal(true);
      await fx.registry.connect(n.operator).deregister(n.node);
      expect(await fx.registry.isEligible(n.node)).to.equal(false);
    });

    it("never shortens an existing jail", async () => {
      const fx = await loadFixture(withSlasher);
      const n = await registerNode(fx, fx.operators[0]);
      await fx.registry.connect(fx.slasher).slash(n.node, 100);
      const first = (await fx.registry.getNode(n.node)).jailedUntil;
      await fx.registry.connect(fx.timelockSigner).setJailDuration(60n);
      await fx.registry.connect(fx.slasher).slash(n.node, 100);
      expect((await fx.registry.getNode(n.node)).jailedUntil).to.equal(first);
    });

    it("rejects callers without SLASHER_ROLE and shares outside 1..10000", async () => {
      const fx = await loadFixture(withSlasher);
      const n = await registerNode(fx, fx.operators[0]);
      await expect(fx.registry.connect(n.operator).slash(n.node, 100)).to.be.revertedWithCustomError(
        fx.registry,
        "AccessControlUnauthorizedAccount",
      );
      await expect(fx.registry.connect(fx.slasher).slash(n.node, 0))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistrySlashBpsOutOfBounds")
        .withArgs(0);
      await expect(fx.registry.connect(fx.slasher).slash(n.node, 10_001)).to.be.revertedWithCustomError(
        fx.registry,
        "NodeRegistrySlashBpsOutOfBounds",
      );
    });
  });

  describe("governance", () => {
    it("each setter emits old and new value", async () => {
      const fx = await loadFixture(deployFixture);
      await expect(fx.registry.connect(fx.timelockSigner).setUnbondingDelay(2n * DAY))
        .to.emit(fx.registry, "UnbondingDelaySet")
        .withArgs(TEST_PARAMS.unbondingDelay, 2n * DAY);
      await expect(fx.registry.connect(fx.timelockSigner).setJailDuration(DAY))
        .to.emit(fx.registry, "JailDurationSet")
        .withArgs(TEST_PARAMS.jailDuration, DAY);
      await expect(fx.registry.connect(fx.timelockSigner).setMinStakeBase(5n))
        .to.emit(fx.registry, "MinStakeBaseSet")
        .withArgs(TEST_PARAMS.minStakeBase, 5n);
      await expect(fx.registry.connect(fx.timelockSigner).setMinStakePerTflop(6n))
        .to.emit(fx.registry, "MinStakePerTflopSet")
        .withArgs(TEST_PARAMS.minStakePerTflop, 6n);
      expect(await fx.registry.minimumStake(claimOf(2000))).to.equal(5n + 12n);
    });

    it("setters check bounds with named errors", async () => {
      const fx = await loadFixture(deployFixture);
      const r = fx.registry.connect(fx.timelockSigner);
      await expect(r.setUnbondingDelay(0n)).to.be.revertedWithCustomError(r, "NodeRegistryUnbondingDelayOutOfBounds");
      await expect(r.setUnbondingDelay(366n * DAY)).to.be.revertedWithCustomError(
        r,
        "NodeRegistryUnbondingDelayOutOfBounds",
      );
      await expect(r.setJailDuration(366n * DAY)).to.be.revertedWithCustomError(r, "NodeRegistryJailDurationOutOfBounds");
      await expect(r.setMinStakeBase(10n ** 36n + 1n)).to.be.revertedWithCustomError(
        r,
        "NodeRegistryStakeParameterOutOfBounds",
      );
      await expect(r.setMinStakePerTflop(10n ** 36n + 1n)).to.be.revertedWithCustomError(
        r,
        "NodeRegistryStakeParameterOutOfBounds",
      );
    });

    it("linkGovernance links once, by the role admin only, to the contracts that bound the unbonding delay", async () => {
      const fx = await loadFixture(deployFixture);
      const links = [await fx.epochs.getAddress(), await fx.settlement.getAddress(), await fx.timelock.getAddress()];
      expect(await fx.registry.governanceLinks()).to.deep.equal(links);
      await expect(fx.registry.connect(fx.timelockSigner).linkGovernance(links[0], links[1], links[2]))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryGovernanceAlreadyLinked");
      await expect(fx.registry.connect(fx.governance).linkGovernance(links[0], links[1], links[2]))
        .to.be.revertedWithCustomError(fx.registry, "AccessControlUnauthorizedAccount");
    });

    it("an unlinked registry refuses to change its unbonding delay; linking checks the delay it has", async () => {
      const fx = await loadFixture(deployFixture);
      const F = await ethers.getContractFactory("NodeRegistry");
      const token = await fx.token.getAddress();
      const deploy = (delay: bigint) => F.deploy(token, fx.governance.address, delay, 0n, 0n, 0n);
      const links = [await fx.epochs.getAddress(), await fx.settlement.getAddress(), await fx.timelock.getAddress()];
      const fresh = await deploy(TEST_PARAMS.unbondingDelay);
      expect(await fresh.governanceLinks()).to.deep.equal([ethers.ZeroAddress, ethers.ZeroAddress, ethers.ZeroAddress]);
      await expect(fresh.setUnbondingDelay(2n * DAY)).to.be.revertedWithCustomError(fresh, "NodeRegistryGovernanceNotLinked");
      for (const bad of [
        [ethers.ZeroAddress, links[1], links[2]],
        [links[0], ethers.ZeroAddress, links[2]],
        [links[0], links[1], ethers.ZeroAddress],
      ]) {
        await expect(fresh.linkGovernance(bad[0], bad[1], bad[2])).to.be.revertedWithCustomError(
          fresh,
          "NodeRegistryZeroAddress",
        );
      }
      // Shorter than an epoch plus the dispute window (1 h + 1 day), or not below the timelock's 8 days.
      const short = await deploy(DAY);
      await expect(short.linkGovernance(links[0], links[1], links[2]))
        .to.be.revertedWithCustomError(short, "NodeRegistryUnbondingDelayTooShort")
        .withArgs(DAY, 3_600n + DAY);
      const long = await deploy(8n * DAY);
      await expect(long.linkGovernance(links[0], links[1], links[2]))
        .to.be.revertedWithCustomError(long, "NodeRegistryUnbondingDelayNotBelowTimelock")
        .withArgs(8n * DAY, 8n * DAY);
      await expect(fresh.linkGovernance(links[0], links[1], links[2]))
        .to.emit(fresh, "GovernanceLinked")
        .withArgs(links[0], links[1], links[2]);
      await expect(fresh.setUnbondingDelay(2n * DAY)).to.emit(fresh, "UnbondingDelaySet");
    });

    it("SLASHER_ROLE administers itself: the role admin (the timelock) cannot grant it", async () => {
      // Guards the Medium finding "governance can take everything": DEFAULT_ADMIN_ROLE could grant itself
      // SLASHER_ROLE and take any stake.
      const fx = await loadFixture(deployFixture);
      const role = await fx.registry.SLASHER_ROLE();
      expect(await fx.registry.getRoleAdmin(role)).to.equal(role);
      await expect(fx.registry.connect(fx.timelockSigner).grantRole(role, fx.timelockSigner.address))
        .to.be.revertedWithCustomError(fx.registry, "AccessControlUnauthorizedAccount")
        .withArgs(fx.timelockSigner.address, role);
    });

    it("only the timelock changes parameters and only the guardian pauses", async () => {
      const fx = await loadFixture(deployFixture);
      for (const signer of [fx.outsider, fx.governance]) {
        const r = fx.registry.connect(signer);
        for (const call of [
          () => r.setUnbondingDelay(2n * DAY),
          () => r.setJailDuration(10n),
          () => r.setMinStakeBase(10n),
          () => r.setMinStakePerTflop(10n),
        ]) {
          await expect(call()).to.be.revertedWithCustomError(fx.registry, "AccessControlUnauthorizedAccount");
        }
      }
      for (const signer of [fx.outsider, fx.timelockSigner]) {
        const r = fx.registry.connect(signer);
        await expect(r.pause()).to.be.revertedWithCustomError(fx.registry, "AccessControlUnauthorizedAccount");
        await expect(r.unpause()).to.be.revertedWithCustomError(fx.registry, "AccessControlUnauthorizedAccount");
      }
    });

    it("pause stops registrations and top-ups but not unbonding, withdrawals or slashing", async () => {
      const fx = await loadFixture(withSlasher);
      const n = await registerNode(fx, fx.operators[0], { amount: minStakeFor(10_000) + 10n * E18 });
      await fx.registry.pause();
      await expect(registerNode(fx, fx.operators[1])).to.be.revertedWithCustomError(fx.registry, "EnforcedPause");
      await expect(
        fx.registry.connect(fx.operators[1]).registerWithPermit(n.node, claimOf(1), 0n, 0n, "0x", 0n, 0, ethers.ZeroHash, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(fx.registry, "EnforcedPause");
      await expect(fx.registry.connect(n.operator).topUp(n.node, 1n)).to.be.revertedWithCustomError(
        fx.registry,
        "EnforcedPause",
      );
      await fx.registry.connect(n.operator).requestUnbond(n.node, 10n * E18);
      await fx.registry.connect(n.operator).updateClaim(n.node, claimOf(9_000));
      await fx.registry.connect(fx.slasher).slash(n.node, 100);
      await fx.registry.connect(n.operator).deregister(n.node);
      await time.increase(TEST_PARAMS.unbondingDelay);
      await expect(fx.registry.connect(n.operator).withdraw(n.node)).to.emit(fx.registry, "StakeWithdrawn");
      await fx.registry.unpause();
      await registerNode(fx, fx.operators[1]);
    });
  });

  describe("enumeration", () => {
    it("nodeAt, nodeCount and nodesPage list nodes in registration order, bounded", async () => {
      const fx = await loadFixture(deployFixture);
      const nodes: string[] = [];
      for (const op of fx.operators) nodes.push((await registerNode(fx, op)).node);
      expect(await fx.registry.nodeCount()).to.equal(4n);
      expect(await fx.registry.nodeAt(3)).to.equal(nodes[3]);
      await expect(fx.registry.nodeAt(4))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryIndexOutOfBounds")
        .withArgs(4, 4);
      expect(await fx.registry.nodesPage(1, 2)).to.deep.equal(nodes.slice(1, 3));
      expect(await fx.registry.nodesPage(2, 100)).to.deep.equal(nodes.slice(2));
      expect(await fx.registry.nodesPage(4, 1)).to.deep.equal([]);
      expect(await fx.registry.MAX_PAGE_SIZE()).to.equal(256n);
    });

    it("nodesPage caps the page at MAX_PAGE_SIZE", async () => {
      const fx = await loadFixture(deployFixture);
      await fx.registry.connect(fx.timelockSigner).setMinStakeBase(0n);
      await fx.registry.connect(fx.timelockSigner).setMinStakePerTflop(0n);
      const op = fx.operators[0];
      // 257 zero-stake registrations (minimum stake set to 0) to pass the cap.
      for (let i = 0; i < 257; i++) await registerNode(fx, op, { gflops: 1, amount: 0n });
      expect((await fx.registry.nodesPage(0, 1000)).length).to.equal(256);
      expect((await fx.registry.nodesPage(1, 1000)).length).to.equal(256);
      expect((await fx.registry.nodesPage(2, 1000)).length).to.equal(255);
    });
  });
});

export type { Fixture };
