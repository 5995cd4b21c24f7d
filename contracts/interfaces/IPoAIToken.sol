// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IPoAIToken
/// @notice The devnet and test stake token: ERC-20 with ERC-2612 permit, mintable by its owner. The protocol
/// accepts any standard ERC-20 in production; this token only makes devnets and tests self-contained.
interface IPoAIToken {
    /// @notice Mints `amount` to `to` (owner only).
    function mint(address to, uint256 amount) external;
}
