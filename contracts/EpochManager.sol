// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IEpochManager} from "./interfaces/IEpochManager.sol";

/// @title EpochManager
/// @notice Epoch clock, oracle committee (at most MAX_COMMITTEE_SIZE members) with quorum and configuration
/// version, and per-epoch seed commitments.
contract EpochManager is IEpochManager, AccessControl {
    /// @notice Role that replaces the committee.
    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    /// @notice Largest committee (as Chainlink OCR's 31-oracle cap): bounds every loop over members or signatures.
    uint256 public constant MAX_COMMITTEE_SIZE = 31;
    /// @notice How many epochs after the current one a member may commit a seed for: bounds what one member's
    /// commitments can hold up (the oracle commits the next epoch only).
    uint64 public constant MAX_COMMIT_AHEAD_EPOCHS = 64;

    uint64 private immutable _genesis;
    uint64 private immutable _epochLength;

    address[] private _committee;
    mapping(address account => bool) private _isMember;
    uint8 private _quorum;
    uint64 private _configVersion;
    mapping(uint64 epoch => SeedCommitment) private _commitments;
    mapping(address member => uint64 version) private _memberSince;

    /// @param admin Receives DEFAULT_ADMIN_ROLE and GOVERNANCE_ROLE.
    /// @param genesis_ Start time of epoch 0.
    /// @param epochLength_ Seconds per epoch (non-zero).
    /// @param members Initial committee.
    /// @param quorum_ Initial quorum (a strict majority of `members`).
    constructor(address admin, uint64 genesis_, uint64 epochLength_, address[] memory members, uint8 quorum_) {
        if (epochLength_ == 0) revert EpochManagerZeroEpochLength();
        _genesis = genesis_;
        _epochLength = epochLength_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GOVERNANCE_ROLE, admin);
        _setCommittee(members, quorum_);
    }

    /// @inheritdoc IEpochManager
    function commitSeed(uint64 epoch, bytes32 commitment) external {
        if (!_isMember[msg.sender]) revert EpochManagerNotCommitteeMember(msg.sender);
        if (commitment == bytes32(0)) revert EpochManagerZeroCommitment();
        uint256 start = epochStart(epoch);
        if (block.timestamp >= start) revert EpochManagerEpochStarted(epoch, start);
        // Computed in uint256: the current epoch plus the bound cannot overflow there.
        uint256 latestAllowed = uint256(currentEpoch()) + MAX_COMMIT_AHEAD_EPOCHS;
        // Fits uint64 in the error: reached only when epoch > latestAllowed, and epoch is a uint64.
        if (epoch > latestAllowed) revert EpochManagerCommitTooFarAhead(epoch, uint64(latestAllowed));
        SeedCommitment storage c = _commitments[epoch];
        if (_inForce(c)) revert EpochManagerSeedAlreadyCommitted(epoch);
        c.commitment = commitment;
        c.author = msg.sender;
        c.configVersion = _configVersion;
        emit SeedCommitted(epoch, commitment, msg.sender);
    }

    /// @inheritdoc IEpochManager
    function clearSeedCommitment(uint64 epoch) external {
        SeedCommitment storage c = _commitments[epoch];
        if (!_inForce(c)) revert EpochManagerNoCommitment(epoch);
        address author = c.author;
        if (msg.sender != author && !hasRole(GOVERNANCE_ROLE, msg.sender)) {
            revert EpochManagerNotCommitmentAuthor(epoch, author, msg.sender);
        }
        uint256 start = epochStart(epoch);
        if (block.timestamp >= start) revert EpochManagerEpochStarted(epoch, start);
        delete _commitments[epoch];
        emit SeedCommitmentCleared(epoch, author, msg.sender);
    }

    /// @inheritdoc IEpochManager
    function setCommittee(address[] calldata members, uint8 quorum_) external onlyRole(GOVERNANCE_ROLE) {
        _setCommittee(members, quorum_);
    }

    /// @inheritdoc IEpochManager
    function currentEpoch() public view returns (uint64) {
        if (block.timestamp < _genesis) return 0;
        // Rounds down: the epoch that contains now. Fits uint64 since the difference is below 2^64.
        return uint64((block.timestamp - _genesis) / _epochLength);
    }

    /// @inheritdoc IEpochManager
    function epochStart(uint64 epoch) public view returns (uint256) {
        // Computed in uint256: a uint64 epoch times a uint64 length cannot overflow.
        return uint256(_genesis) + uint256(epoch) * _epochLength;
    }

    /// @inheritdoc IEpochManager
    function epochEnd(uint64 epoch) external view returns (uint256) {
        return epochStart(epoch) + _epochLength;
    }

    /// @inheritdoc IEpochManager
    function genesis() external view returns (uint64) {
        return _genesis;
    }

    /// @inheritdoc IEpochManager
    function epochLength() external view returns (uint64) {
        return _epochLength;
    }

    /// @inheritdoc IEpochManager
    function seedCommitment(uint64 epoch) external view returns (bytes32) {
        SeedCommitment storage c = _commitments[epoch];
        return _inForce(c) ? c.commitment : bytes32(0);
    }

    /// @inheritdoc IEpochManager
    function seedCommitmentOf(uint64 epoch) external view returns (SeedCommitment memory) {
        return _commitments[epoch];
    }

    /// @inheritdoc IEpochManager
    function memberSince(address member) external view returns (uint64) {
        return _memberSince[member];
    }

    /// @inheritdoc IEpochManager
    function committee() external view returns (address[] memory) {
        return _committee;
    }

    /// @inheritdoc IEpochManager
    function isCommitteeMember(address account) external view returns (bool) {
        return _isMember[account];
    }

    /// @inheritdoc IEpochManager
    function quorum() external view returns (uint8) {
        return _quorum;
    }

    /// @inheritdoc IEpochManager
    function configVersion() external view returns (uint64) {
        return _configVersion;
    }

    /// @dev A commitment is in force while its author has been a member since it committed.
    function _inForce(SeedCommitment storage c) private view returns (bool) {
        address author = c.author;
        return c.commitment != bytes32(0) && _isMember[author] && c.configVersion >= _memberSince[author];
    }

    function _setCommittee(address[] memory members, uint8 quorum_) private {
        uint256 size = members.length;
        if (size == 0 || size > MAX_COMMITTEE_SIZE) revert EpochManagerCommitteeSizeOutOfBounds(size);
        // A strict majority: two conflicting reports cannot both reach quorum.
        if (quorum_ == 0 || quorum_ > size || 2 * uint256(quorum_) <= size) {
            revert EpochManagerQuorumOutOfBounds(quorum_, size);
        }
        uint64 version = _configVersion + 1;
        // Bounded by MAX_COMMITTEE_SIZE (checked above). Before the old flags are cleared: a member not in the
        // old committee starts a new membership, which voids whatever it committed in an earlier one.
        for (uint256 i = 0; i < size; ++i) {
            if (!_isMember[members[i]]) _memberSince[members[i]] = version;
        }
        uint256 oldSize = _committee.length;
        // Bounded by MAX_COMMITTEE_SIZE (the old committee passed the same check).
        for (uint256 i = 0; i < oldSize; ++i) {
            _isMember[_committee[i]] = false;
        }
        delete _committee;
        // Bounded by MAX_COMMITTEE_SIZE (checked above).
        for (uint256 i = 0; i < size; ++i) {
            address member = members[i];
            if (member == address(0) || _isMember[member]) revert EpochManagerInvalidMember(member);
            _isMember[member] = true;
            _committee.push(member);
        }
        _quorum = quorum_;
        _configVersion = version;
        emit CommitteeSet(members, quorum_, version);
    }
}
