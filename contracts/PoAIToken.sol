// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPoAIToken} from "./interfaces/IPoAIToken.sol";

/// @title PoAIToken
/// @notice Stake token for devnets and tests: ERC-20 with permit, mintable by its owner.
contract PoAIToken is IPoAIToken, ERC20, ERC20Permit, Ownable {
    /// @dev Storage slot of OpenZeppelin `ERC20._balances`: the first state variable of the first base with
    /// storage (IPoAIToken has none). The unit tests compare `transfer` with `balanceOf` (which reads
    /// `_balances` through ERC20), so a moved slot fails them.
    uint256 private constant _BALANCES_SLOT = 0;

    constructor(address initialOwner) ERC20("PoAI Stake", "POAI") ERC20Permit("PoAI Stake") Ownable(initialOwner) {}

    /// @inheritdoc IPoAIToken
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice ERC-20 `transfer`, as OpenZeppelin's `ERC20.transfer` (same checks, errors, event and result)
    /// in one pass over the two balances: every reward claim and payout ends in one. This token overrides no
    /// `_update` hook, so skipping it skips nothing. `msg.sender` is never the zero address (ERC20InvalidSender
    /// cannot arise). A self-transfer leaves the balance unchanged, as in ERC20.
    function transfer(address to, uint256 value) public override returns (bool) {
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        uint256 fromSlot;
        uint256 fromBalance;
        assembly ("memory-safe") {
            mstore(0x00, caller())
            mstore(0x20, _BALANCES_SLOT)
            fromSlot := keccak256(0x00, 0x40)
            fromBalance := sload(fromSlot)
        }
        if (fromBalance < value) revert ERC20InsufficientBalance(msg.sender, fromBalance, value);
        assembly ("memory-safe") {
            // Cannot underflow: value <= fromBalance checked above.
            sstore(fromSlot, sub(fromBalance, value))
            mstore(0x00, to)
            let toSlot := keccak256(0x00, 0x40)
            // Cannot overflow: a balance plus value is at most totalSupply, which _mint's checked sum bounds.
            sstore(toSlot, add(sload(toSlot), value))
            mstore(0x00, value)
            // Transfer(address indexed from, address indexed to, uint256 value)
            log3(0x00, 0x20, 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef, caller(), to)
        }
        return true;
    }
}
