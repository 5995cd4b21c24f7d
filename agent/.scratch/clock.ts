import { startHardhatNode } from "../../scripts/demo/hardhat-node";
import { stopAll } from "../../scripts/demo/children";
import { JsonRpcProvider } from "ethers";
(async () => {
  const { url } = await startHardhatNode({ port: 8791, cwd: process.cwd() });
  const p = new JsonRpcProvider(url);
  await p.send("evm_setNextBlockTimestamp", [Math.ceil(Date.now() / 1000)]); await p.send("evm_mine", []); await p.send("evm_setIntervalMining", [1000]);
  for (let i = 0; i < 8; i++) {
    const b = await p.getBlock("latest");
    console.log("block", b!.number, "ts", b!.timestamp, "wall", (Date.now() / 1000).toFixed(1), "lag", (Date.now() / 1000 - b!.timestamp).toFixed(1));
    await new Promise((r) => setTimeout(r, 1500));
  }
  await stopAll();
  process.exit(0);
})();
