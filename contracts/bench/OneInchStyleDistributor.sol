// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title OneInchStyleDistributor
/// @notice Benchmark anchor only (never deployed by the protocol): 1inch's `CumulativeMerkleDrop`
/// (github.com/1inch/merkle-distribution) as published: an immutable token, an owner-set root, a
/// `cumulativeClaimed` amount per account, leaf `keccak256(abi.encodePacked(account,
/// cumulativeAmount))`, the caller's expected root checked against the current one, and 1inch's
/// assembly proof loop over calldata. Compiled with the protocol's settings so `bench:gas`
/// compares like with like.
contract OneInchStyleDistributor is Ownable {
    using SafeERC20 for IERC20;

    /// @notice The root changed from `oldMerkleRoot` to `newMerkleRoot`.
    event MerkelRootUpdated(bytes32 oldMerkleRoot, bytes32 newMerkleRoot);
    /// @notice `account` received `amount`.
    event Claimed(address indexed account, uint256 amount);

    /// @notice The token paid out.
    address public immutable token;
    /// @notice The current root over every `(account, cumulativeAmount)`.
    bytes32 public merkleRoot;
    /// @notice Cumulative amount already paid to each account.
    mapping(address account => uint256 amount) public cumulativeClaimed;

    constructor(address token_) Ownable(msg.sender) {
        token = token_;
    }

    /// @notice Sets the root (owner only).
    function setMerkleRoot(bytes32 merkleRoot_) external onlyOwner {
        emit MerkelRootUpdated(merkleRoot, merkleRoot_);
        merkleRoot = merkleRoot_;
    }

    /// @notice Pays `account` its `cumulativeAmount` less what it already claimed.
    function claim(
        address account,
        uint256 cumulativeAmount,
        bytes32 expectedMerkleRoot,
        bytes32[] calldata merkleProof
    ) external {
        // solhint-disable-next-line gas-custom-errors
        require(merkleRoot == expectedMerkleRoot, "CMD: Merkle root was updated");

        // Verify the merkle proof.
        bytes32 leaf = keccak256(abi.encodePacked(account, cumulativeAmount));
        // solhint-disable-next-line gas-custom-errors
        require(_verifyAsm(merkleProof, expectedMerkleRoot, leaf), "CMD: Invalid proof");

        // Mark it claimed.
        uint256 preclaimed = cumulativeClaimed[account];
        // solhint-disable-next-line gas-custom-errors
        require(preclaimed < cumulativeAmount, "CMD: Nothing to claim");
        cumulativeClaimed[account] = cumulativeAmount;

        // Send the token. Cannot underflow: preclaimed < cumulativeAmount checked above.
        unchecked {
            uint256 amount = cumulativeAmount - preclaimed;
            IERC20(token).safeTransfer(account, amount);
            emit Claimed(account, amount);
        }
    }

    /// @dev 1inch's proof loop: sorted pairs, calldata proof, scratch space for the hash input.
    function _verifyAsm(bytes32[] calldata proof, bytes32 root, bytes32 leaf) private pure returns (bool valid) {
        assembly ("memory-safe") {
            let ptr := proof.offset
            // Loop bound: the proof's length, from calldata.
            for {
                let end := add(ptr, mul(0x20, proof.length))
            } lt(ptr, end) {
                ptr := add(ptr, 0x20)
            } {
                let node := calldataload(ptr)
                switch lt(leaf, node)
                case 1 {
                    mstore(0x00, leaf)
                    mstore(0x20, node)
                }
                default {
                    mstore(0x00, node)
                    mstore(0x20, leaf)
                }
                leaf := keccak256(0x00, 0x40)
            }
            valid := eq(root, leaf)
        }
    }
}
