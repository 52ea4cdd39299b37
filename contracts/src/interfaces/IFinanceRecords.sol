// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Finance records of data assets (数据资产入表, 作价出资, 数据信托)
/// @notice What a holder of an asset's holding right (数据资源持有权) records about the asset's place in its books
/// and its financing:
/// - an accounting record (数据资产入表) per asset and holder: cost basis, accounting category (存货 / 无形资产 /
///   not recognised), useful life, amortisation and impairment. The document is private to the holder and the
///   auditor it names: the chain holds only its commitment (the SHA-256 digest of the document's CIDv0; the
///   document carries a random salt, so the digest of a guessable document cannot be confirmed by trying), the
///   document itself is kept encrypted by the registry's API, which serves it to those two only;
/// - capital contribution (作价出资) and data-trust (数据信托) remarks naming their counterparties (the investee;
///   the trustee and beneficiaries), the agreement's CID and dates, ended by the holder that recorded them.
/// Every write checks, through the DataRegistry, that the caller holds the asset's holding right `rightIndex`,
/// valid now. Writes may be relayed (ERC-2771, the registry's trusted forwarder).
/// @dev Every write reverts with `IParticipantRegistry.RegistryPaused` while the council has paused the registry.
interface IFinanceRecords {
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Types
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice The kind of a finance remark.
    enum RemarkKind {
        CapitalContribution, // 作价出资: the asset contributed as capital to `counterparty` (the investee)
        DataTrust // 数据信托: the asset placed in trust with `counterparty` (the trustee) for `beneficiaries`
    }

    /// @notice A holder's accounting record of an asset, as `getAccounting` returns it.
    /// @param documentCid SHA-256 digest of the accounting document's CIDv0 (the commitment).
    /// @param auditor The auditor who may read the document besides the holder; zero for none.
    /// @param revision 1 for the first record, raised by every later one (a re-measurement, an impairment).
    /// @param recordedAt Unix time of the latest revision.
    struct AccountingRecord {
        bytes32 documentCid;
        address auditor;
        uint32 revision;
        uint64 recordedAt;
    }

    /// @notice What a holder declares in a finance remark.
    /// @param kind Capital contribution or data trust.
    /// @param counterparty The investee (capital contribution) or the trustee (data trust); never zero.
    /// @param beneficiaries A data trust's beneficiaries (at least one); empty for a capital contribution.
    /// @param documentCid SHA-256 digest of the agreement's CIDv0 (出资协议, 信托合同); never zero.
    /// @param effectiveFrom Unix time the contribution or trust takes effect.
    /// @param effectiveUntil Unix time it ends by its terms; 0 for no fixed end.
    struct RemarkData {
        RemarkKind kind;
        address counterparty;
        address[] beneficiaries;
        bytes32 documentCid;
        uint64 effectiveFrom;
        uint64 effectiveUntil;
    }

    /// @notice A finance remark as `getRemark` returns it (the beneficiaries and dates are in its event).
    struct Remark {
        bytes32 assetId;
        address holder;
        RemarkKind kind;
        bool ended;
        address counterparty;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Errors
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Thrown when `account` does not hold right `rightIndex` of `assetId` as a valid holding right.
    error NotHoldingRightHolder(bytes32 assetId, uint256 rightIndex, address account);
    /// @notice Thrown when a commitment or agreement CID is zero.
    error MissingDocument();
    /// @notice Thrown when the holder names itself as its own auditor or counterparty.
    error SelfCounterparty(address account);
    /// @notice Thrown when a remark names no counterparty.
    error MissingCounterparty();
    /// @notice Thrown when a data trust names no beneficiary, or a capital contribution names any.
    error InvalidBeneficiaries(RemarkKind kind, uint256 count);
    /// @notice Thrown when a remark's end is not after its start.
    error InvalidPeriod(uint64 effectiveFrom, uint64 effectiveUntil);
    /// @notice Thrown when no remark `remarkId` exists.
    error RemarkNotFound(uint256 remarkId);
    /// @notice Thrown when someone other than the holder that recorded remark `remarkId` ends it.
    error NotRemarkHolder(uint256 remarkId, address account);
    /// @notice Thrown when remark `remarkId` was already ended.
    error RemarkAlreadyEnded(uint256 remarkId);

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Events
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice A holder recorded (or revised) its accounting record of an asset.
    /// @param assetId The asset.
    /// @param holder The holding-right holder whose books the record is of.
    /// @param auditor The auditor who may read the document; zero for none.
    /// @param documentCid SHA-256 digest of the private document's CIDv0.
    /// @param revision 1, 2, … per asset and holder.
    event AccountingRecorded(
        bytes32 indexed assetId, address indexed holder, address indexed auditor, bytes32 documentCid, uint32 revision
    );

    /// @notice A holder recorded a capital contribution or data-trust remark.
    /// @param remarkId The remark's number, from 1.
    /// @param assetId The asset.
    /// @param holder The holding-right holder that recorded it.
    /// @param data What the holder declared.
    event FinanceRemarkRecorded(
        uint256 indexed remarkId, bytes32 indexed assetId, address indexed holder, RemarkData data
    );

    /// @notice The holder ended a remark (the contribution released, the trust ended).
    /// @param remarkId The remark.
    /// @param assetId The asset.
    /// @param holder The holder that recorded and ended it.
    /// @param evidenceCid SHA-256 digest of the CIDv0 of the document ending it, or zero.
    event FinanceRemarkEnded(
        uint256 indexed remarkId, bytes32 indexed assetId, address indexed holder, bytes32 evidenceCid
    );

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Writes
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Records (or revises) the caller's accounting record of `assetId`, whose holding right
    /// `rightIndex` it holds, with the commitment `documentCid` and the `auditor` who may read the document.
    /// @return revision The record's revision after this call.
    function recordAccounting(bytes32 assetId, uint256 rightIndex, address auditor, bytes32 documentCid)
        external
        returns (uint32 revision);

    /// @notice Records a capital contribution or data-trust remark on `assetId`, whose holding right
    /// `rightIndex` the caller holds.
    function recordRemark(bytes32 assetId, uint256 rightIndex, RemarkData calldata data)
        external
        returns (uint256 remarkId);

    /// @notice Ends remark `remarkId` (released contribution, ended trust); only the holder that recorded it.
    function endRemark(uint256 remarkId, bytes32 evidenceCid) external;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice `holder`'s current accounting record of `assetId` (revision 0: none).
    function getAccounting(bytes32 assetId, address holder) external view returns (AccountingRecord memory);

    /// @notice Remark `remarkId`; reverts `RemarkNotFound` for none.
    function getRemark(uint256 remarkId) external view returns (Remark memory);

    /// @notice How many remarks were recorded (the last remark's id).
    function remarkCount() external view returns (uint256);
}
