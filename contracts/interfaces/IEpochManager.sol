// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IEpochManager
/// @notice The epoch clock, the oracle committee with its quorum, the configuration version that every
/// epoch report is bound to, and the committee's seed commitments.
/// Epoch `e` covers `[genesis + e * epochLength, genesis + (e + 1) * epochLength)`.
interface IEpochManager {
    // ---------------------------------------------------------------- errors

    /// @notice The epoch length is zero.
    error EpochManagerZeroEpochLength();
    /// @notice The committee is empty or larger than MAX_COMMITTEE_SIZE.
    error EpochManagerCommitteeSizeOutOfBounds(uint256 size);
    /// @notice A committee member is the zero address or appears twice.
    error EpochManagerInvalidMember(address member);
    /// @notice The quorum is not a strict majority of the committee, or exceeds its size.
    error EpochManagerQuorumOutOfBounds(uint256 quorum, uint256 size);
    /// @notice The caller is not a committee member.
    error EpochManagerNotCommitteeMember(address caller);
    /// @notice The epoch has already started: its seed can no longer be committed.
    error EpochManagerEpochStarted(uint64 epoch, uint256 startedAt);
    /// @notice The epoch's seed is already committed.
    error EpochManagerSeedAlreadyCommitted(uint64 epoch);
    /// @notice The commitment is zero.
    error EpochManagerZeroCommitment();

    // ---------------------------------------------------------------- events

    /// @notice Governance replaced the committee; reports must now carry `configVersion`.
    event CommitteeSet(address[] members, uint8 quorum, uint64 configVersion);
    /// @notice A committee member committed `keccak256(abi.encode(epoch, seed))` for `epoch`.
    event SeedCommitted(uint64 indexed epoch, bytes32 commitment, address indexed member);

    // ---------------------------------------------------------------- actions

    /// @notice Commits the seed of `epoch` (committee member, once per epoch, before the epoch starts).
    /// @param commitment `keccak256(abi.encode(uint64 epoch, bytes32 seed))`.
    function commitSeed(uint64 epoch, bytes32 commitment) external;

    /// @notice Replaces the committee and quorum (governance). Bumps `configVersion`.
    function setCommittee(address[] calldata members, uint8 quorum) external;

    // ---------------------------------------------------------------- views

    /// @notice The epoch containing `block.timestamp` (0 before genesis).
    function currentEpoch() external view returns (uint64);
    /// @notice Start time of `epoch`.
    function epochStart(uint64 epoch) external view returns (uint256);
    /// @notice End time of `epoch` (the start of the next one).
    function epochEnd(uint64 epoch) external view returns (uint256);
    /// @notice Start time of epoch 0.
    function genesis() external view returns (uint64);
    /// @notice Length of an epoch in seconds.
    function epochLength() external view returns (uint64);
    /// @notice Seed commitment of `epoch` (zero if none).
    function seedCommitment(uint64 epoch) external view returns (bytes32);
    /// @notice Current committee members.
    function committee() external view returns (address[] memory);
    /// @notice Whether `account` is a current committee member.
    function isCommitteeMember(address account) external view returns (bool);
    /// @notice Number of distinct member signatures a report needs.
    function quorum() external view returns (uint8);
    /// @notice Version of the committee configuration, bumped by every `setCommittee`.
    function configVersion() external view returns (uint64);
}
