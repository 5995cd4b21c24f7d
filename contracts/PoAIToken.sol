// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPoAIToken} from "./interfaces/IPoAIToken.sol";

/// @title PoAIToken
/// @notice Stake token for devnets and tests: ERC-20 with permit, mintable by its owner.
contract PoAIToken is IPoAIToken, ERC20, ERC20Permit, Ownable {
    constructor(address initialOwner) ERC20("PoAI Stake", "POAI") ERC20Permit("PoAI Stake") Ownable(initialOwner) {}

    /// @inheritdoc IPoAIToken
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
