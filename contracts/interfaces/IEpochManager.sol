// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IEpochManager
/// @notice The epoch clock, the oracle committee with its quorum, the configuration version that every
/// epoch report is bound to, and the committee's seed commitments.
/// Epoch `e` covers `[genesis + e * epochLength, genesis + (e + 1) * epochLength)`.
///
/// Seed commitments cannot brick an epoch: a member commits at most MAX_COMMIT_AHEAD_EPOCHS ahead; a
/// commitment counts only while its author is a committee member without a break since it committed (removal
/// voids it at once, and re-admission does not revive it), so another member may commit in its place before
/// the epoch starts; and before the epoch starts its author or governance may clear it.
interface IEpochManager {
    /// @notice A stored seed commitment.
    /// @param commitment `keccak256(abi.encode(uint64 epoch, bytes32 seed))`.
    /// @param author The member that committed it.
    /// @param configVersion The configuration version when it was committed: it counts only if its author
    /// has been a member since then (see `memberSince`).
    struct SeedCommitment {
        bytes32 commitment;
        address author;
        uint64 configVersion;
    }

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
    /// @notice The epoch is more than MAX_COMMIT_AHEAD_EPOCHS after the current one.
    error EpochManagerCommitTooFarAhead(uint64 epoch, uint64 latestAllowed);
    /// @notice The epoch has no commitment in force.
    error EpochManagerNoCommitment(uint64 epoch);
    /// @notice Only the commitment's author or governance may clear it.
    error EpochManagerNotCommitmentAuthor(uint64 epoch, address author, address caller);

    // ---------------------------------------------------------------- events

    /// @notice Governance replaced the committee; reports must now carry `configVersion`.
    event CommitteeSet(address[] members, uint8 quorum, uint64 configVersion);
    /// @notice A committee member committed `keccak256(abi.encode(epoch, seed))` for `epoch`.
    event SeedCommitted(uint64 indexed epoch, bytes32 commitment, address indexed member);
    /// @notice The commitment of `epoch` by `author` was cleared by `clearedBy` (the author or governance).
    event SeedCommitmentCleared(uint64 indexed epoch, address indexed author, address clearedBy);

    // ---------------------------------------------------------------- actions

    /// @notice Commits the seed of `epoch` (committee member, before the epoch starts, at most
    /// MAX_COMMIT_AHEAD_EPOCHS after the current epoch). Once per epoch while the commitment is in force;
    /// a commitment voided by its author's removal or cleared may be replaced.
    /// @param commitment `keccak256(abi.encode(uint64 epoch, bytes32 seed))`.
    function commitSeed(uint64 epoch, bytes32 commitment) external;

    /// @notice Clears the commitment in force for `epoch` before the epoch starts (its author or governance),
    /// so a member can commit again (e.g. when the author lost its seed).
    function clearSeedCommitment(uint64 epoch) external;

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
    /// @notice Seed commitment in force for `epoch`: zero if none, or if its author is no longer a member or
    /// left the committee after committing.
    function seedCommitment(uint64 epoch) external view returns (bytes32);
    /// @notice The stored commitment of `epoch` as committed, in force or not (see `seedCommitment`).
    function seedCommitmentOf(uint64 epoch) external view returns (SeedCommitment memory);
    /// @notice The configuration version from which `member` has been a member without a break (0 if never).
    function memberSince(address member) external view returns (uint64);
    /// @notice Current committee members.
    function committee() external view returns (address[] memory);
    /// @notice Whether `account` is a current committee member.
    function isCommitteeMember(address account) external view returns (bool);
    /// @notice Number of distinct member signatures a report needs.
    function quorum() external view returns (uint8);
    /// @notice Version of the committee configuration, bumped by every `setCommittee`.
    function configVersion() external view returns (uint64);
}
