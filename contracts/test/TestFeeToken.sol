// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestFeeToken
/// @notice Test-only ERC-20 that keeps 1% of every transfer (a fee-on-transfer token), so the tests can
/// show the protocol refuses tokens that deliver less than asked. Not deployed outside tests.
contract TestFeeToken is ERC20 {
    constructor() ERC20("Fee Token", "FEE") {}

    /// @notice Mints `amount` to `to` (anyone: test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        // Rounds the fee down; any non-zero transfer of at least 100 units loses 1%.
        uint256 fee = value / 100;
        super._update(from, to, value - fee);
        if (fee > 0) super._update(from, address(0xFEE), fee);
    }
}
