// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title FeeOnTransferToken
/// @notice Test token that burns `feeBps` of every transfer between two non-zero accounts, like
///         the deflationary tokens some chains carry. A contract that credits the `amount` it asked
///         `transferFrom` for, instead of what it received, over-credits the sender and ends up
///         owing more than it holds.
contract FeeOnTransferToken is ERC20, ERC20Permit {
    uint16 public constant BPS = 10_000;
    /// @notice Current fee; anyone may change it (a test token: models a token whose fee switch flips).
    uint16 public feeBps;

    error FeeOnTransferFeeTooHigh(uint16 feeBps);

    constructor(uint16 feeBps_) ERC20("Fee On Transfer", "FOT") ERC20Permit("Fee On Transfer") {
        if (feeBps_ >= BPS) revert FeeOnTransferFeeTooHigh(feeBps_);
        feeBps = feeBps_;
    }

    function setFeeBps(uint16 feeBps_) external {
        if (feeBps_ >= BPS) revert FeeOnTransferFeeTooHigh(feeBps_);
        feeBps = feeBps_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0) || feeBps == 0) {
            super._update(from, to, value);
            return;
        }
        // Rounds the fee up, against the sender, as a hostile token would.
        uint256 fee = (value * feeBps + BPS - 1) / BPS;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
