// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @notice The callbacks of an ERC-777-like token: the sender's hook runs before the balances
///         move, the recipient's after.
interface ITokenHooks {
    function tokensToSend(address from, address to, uint256 amount) external;
    function tokensReceived(address from, address to, uint256 amount) external;
}

/// @title HookToken
/// @notice Test token with ERC-777-style transfer hooks: an account that opted in with
///         `setHooked(true)` gets `tokensToSend` before tokens leave it and `tokensReceived`
///         after tokens arrive. This hands control to the account in the middle of a protocol
///         call (withdraw, claim, stake), which is what a reentrancy attack needs.
contract HookToken is ERC20, ERC20Permit {
    mapping(address account => bool) public hooked;

    constructor() ERC20("Hook Token", "HOOK") ERC20Permit("Hook Token") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setHooked(bool on) external {
        hooked[msg.sender] = on;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && hooked[from]) ITokenHooks(from).tokensToSend(from, to, value);
        super._update(from, to, value);
        if (to != address(0) && hooked[to]) ITokenHooks(to).tokensReceived(from, to, value);
    }
}
