// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title UniswapStyleDistributor
/// @notice Benchmark anchor only (never deployed by the protocol): Uniswap's `MerkleDistributor`
/// (github.com/Uniswap/merkle-distributor, the 0.8 version with custom errors) as published: an
/// immutable token and root, a bitmap of claimed indices, leaf `keccak256(abi.encodePacked(index,
/// account, amount))`, OpenZeppelin `MerkleProof.verify` over a proof copied to memory, one
/// `Claimed` event. Compiled with the protocol's settings so `bench:gas` compares like with like.
contract UniswapStyleDistributor {
    using SafeERC20 for IERC20;

    /// @notice The index was already claimed.
    error AlreadyClaimed();
    /// @notice The proof does not prove the leaf under the root.
    error InvalidProof();

    /// @notice `account` received `amount` for `index`.
    event Claimed(uint256 index, address account, uint256 amount);

    /// @notice The token paid out.
    address public immutable token;
    /// @notice The root over every `(index, account, amount)`.
    bytes32 public immutable merkleRoot;

    // This is a packed array of booleans.
    mapping(uint256 wordIndex => uint256 word) private _claimedBitMap;

    constructor(address token_, bytes32 merkleRoot_) {
        token = token_;
        merkleRoot = merkleRoot_;
    }

    /// @notice Whether `index` was claimed.
    function isClaimed(uint256 index) public view returns (bool) {
        uint256 claimedWordIndex = index / 256;
        uint256 claimedBitIndex = index % 256;
        uint256 claimedWord = _claimedBitMap[claimedWordIndex];
        uint256 mask = (1 << claimedBitIndex);
        return claimedWord & mask == mask;
    }

    /// @notice Pays `amount` to `account` for leaf `index`, once.
    function claim(uint256 index, address account, uint256 amount, bytes32[] calldata merkleProof) external {
        if (isClaimed(index)) revert AlreadyClaimed();

        // Verify the merkle proof.
        bytes32 node = keccak256(abi.encodePacked(index, account, amount));
        if (!MerkleProof.verify(merkleProof, merkleRoot, node)) revert InvalidProof();

        // Mark it claimed and send the token.
        _setClaimed(index);
        IERC20(token).safeTransfer(account, amount);

        emit Claimed(index, account, amount);
    }

    function _setClaimed(uint256 index) private {
        uint256 claimedWordIndex = index / 256;
        uint256 claimedBitIndex = index % 256;
        _claimedBitMap[claimedWordIndex] = _claimedBitMap[claimedWordIndex] | (1 << claimedBitIndex);
    }
}
