// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

interface IHookToken {
    function setHooked(bool on) external;
}

/// @title Reenterer
/// @notice An operator (or rewards account) that is a contract: it forwards calls from its owner
///         (`exec`), and when the token's transfer hook hands it control it re-enters the protocol
///         with a pre-armed call, up to `maxReentries` times. It records whether each re-entry
///         succeeded and the revert data of the last failure, so a test can assert both that the
///         protocol refused it and why.
contract Reenterer {
    address public immutable owner;

    address public victim;
    bytes public payload;
    uint256 public maxReentries;
    /// @notice 0 = re-enter from `tokensReceived` (after the tokens arrive); 1 = from `tokensToSend`.
    uint8 public hookKind;

    /// @notice When set, `tokensReceived` reverts: the account refuses incoming tokens (as a blocklisted
    ///         address or a hook that reverts would).
    bool public rejectIncoming;

    /// @notice A batch of re-entries tried once, in order, on the next hook (cross-function re-entrancy).
    bytes[] private _batch;
    bool public batchArmed;
    bool[] private _batchOk;
    bytes[] private _batchRevert;

    uint256 public reentries;
    uint256 public reentrySuccesses;
    bytes public lastRevertData;

    error ReentererNotOwner();
    error ReentererCallFailed(bytes data);
    error ReentererRejectsTokens();

    constructor() {
        owner = msg.sender;
    }

    function exec(address to, bytes calldata data) external returns (bytes memory) {
        if (msg.sender != owner) revert ReentererNotOwner();
        // A generic forwarder: the attacker contract calls whatever the test tells it to.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = to.call(data);
        if (!ok) revert ReentererCallFailed(ret);
        return ret;
    }

    function optIn(address token) external {
        IHookToken(token).setHooked(true);
    }

    function approve(address token, address spender, uint256 amount) external {
        if (msg.sender != owner) revert ReentererNotOwner();
        IERC20(token).approve(spender, amount);
    }

    function arm(address victim_, bytes calldata payload_, uint256 maxReentries_, uint8 hookKind_) external {
        if (msg.sender != owner) revert ReentererNotOwner();
        victim = victim_;
        payload = payload_;
        maxReentries = maxReentries_;
        hookKind = hookKind_;
        reentries = 0;
        reentrySuccesses = 0;
        delete lastRevertData;
    }

    function armBatch(address victim_, bytes[] calldata payloads, uint8 hookKind_) external {
        if (msg.sender != owner) revert ReentererNotOwner();
        victim = victim_;
        hookKind = hookKind_;
        delete _batch;
        delete _batchOk;
        delete _batchRevert;
        // Bounded by the test's list.
        for (uint256 i = 0; i < payloads.length; ++i) {
            _batch.push(payloads[i]);
        }
        batchArmed = true;
    }

    function batchResults() external view returns (bool[] memory ok, bytes[] memory revertData) {
        return (_batchOk, _batchRevert);
    }

    function setRejectIncoming(bool on) external {
        if (msg.sender != owner) revert ReentererNotOwner();
        rejectIncoming = on;
    }

    function tokensToSend(address, address, uint256) external {
        if (hookKind == 1) _reenter();
    }

    function tokensReceived(address, address, uint256) external {
        if (rejectIncoming) revert ReentererRejectsTokens();
        if (hookKind == 0) _reenter();
    }

    function _reenter() private {
        if (batchArmed) {
            batchArmed = false;
            // Bounded by the test's list.
            for (uint256 i = 0; i < _batch.length; ++i) {
                // solhint-disable-next-line avoid-low-level-calls
                (bool okBatch, bytes memory retBatch) = victim.call(_batch[i]);
                _batchOk.push(okBatch);
                _batchRevert.push(retBatch);
            }
            return;
        }
        if (reentries >= maxReentries || victim == address(0)) return;
        reentries += 1;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = victim.call(payload);
        if (ok) reentrySuccesses += 1;
        else lastRevertData = ret;
    }
}
