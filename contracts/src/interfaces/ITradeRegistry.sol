// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDataRegistry} from "./IDataRegistry.sol";

/// @title Trade registry: deals made on an exchange's listing, on chain (交易存证, 登记结算)
/// @notice An exchange records a trade on one of its own valid listings (valid by the ListingRegistry's own rule,
/// compliance included, at the moment of the trade). The buyer's right is created through
/// the DataRegistry's ordinary grant path: the seller (the holder of the listing's operating right) signs an
/// EIP-712 `Grant` of a usage right (数据加工使用权) to the buyer, and the trade registry submits it with
/// `grantBySig` in the same transaction, so the buyer holds an ordinary right with its terms. The buyer signs an
/// EIP-712 `TradeAcceptance` naming the exchange, the listing, the seller's grant signature (its keccak256: the
/// signature covers the asset, the right, the terms and the seller's nonce, which the grant consumes, so an
/// acceptance is good for one trade only), the price commitment and the contract document. The
/// seller's grant names the same contract document as its `termsCid`, so both parties sign the contract.
/// @dev The trade gets a certificate number in the exchange's own format: its trade code (set once by the
/// exchange, unique), `JY` (交易), the year in Beijing time and a yearly serial of six digits, e.g.
/// `SZDEJY2026000001`. Trades are keyed by exchange and (year, serial), so only the exchange that recorded a
/// trade can address it to change its settlement status or add delivery evidence. Every write reverts with
/// `IParticipantRegistry.RegistryPaused` while the council has paused the registry (its own copy of the switch,
/// see {IPauseFlag}, once the participant registry has bound it).
interface ITradeRegistry {
    enum SettlementStatus {
        None,
        Pending,
        Settled,
        Refunded,
        Disputed
    }

    /// @notice What the exchange records and the buyer accepts. Delivery evidence follows with `recordDelivery`.
    /// @param listingId The exchange's listing in the ListingRegistry.
    /// @param buyer Who buys; the grantee of the usage right.
    /// @param parentIndex The seller's usage right the buyer's right is granted from.
    /// @param priceAmount The price in the currency's minor unit (e.g. fen); zero when confidential.
    /// @param currency ISO 4217 code, e.g. "CNY"; zero when confidential.
    /// @param priceHash Zero for a public price; when confidential,
    /// keccak256(abi.encode(uint256 amount, bytes3 currency, bytes32 salt)).
    /// @param contractCid SHA-256 digest of the contract document's CIDv0 (the grant's `termsCid`).
    struct Trade {
        uint256 listingId;
        address buyer;
        uint256 parentIndex;
        uint256 priceAmount;
        bytes3 currency;
        bytes32 priceHash;
        bytes32 contractCid;
    }

    /// @notice Signatures and deadlines of both parties.
    struct Signatures {
        uint256 grantDeadline;
        bytes grantSignature;
        uint256 acceptDeadline;
        bytes acceptSignature;
    }

    error NotAnExchange(address account);
    error TradeCodeNotSet(address exchange);
    error TradeCodeTaken(bytes6 code, address owner);
    error TradeCodeAlreadySet(address exchange, bytes6 code);
    error InvalidTradeCode(bytes6 code);
    error NotExchangesListing(uint256 listingId, address exchange);
    /// @notice The listing cannot be traded on now; `validity` is its `IListingRegistry.ListingValidity`, as the
    /// ListingRegistry's own rule judges it (`tradeableListing`: `listingValidity` without the exchange's standing,
    /// which `recordTrade` checks itself): Suspended, Delisted, Expired (past the listing's end), AssetNotActive,
    /// AssetFrozen, RightNotValid, AuthorisationLapsed, HolderChanged, NotCompliant (since listing, a change
    /// registration made the asset core data, or the asset is important data or personal information and the
    /// compliance certification the listing names is no longer `Valid`: revoked, expired, superseded by a new
    /// version of the asset, or its certifier suspended or no longer qualified), or OriginNotValid.
    error ListingNotValid(uint256 listingId, uint8 validity);
    error NotAUsageRight(bytes32 assetId, uint256 parentIndex);
    error BuyerMismatch(address buyer, address grantee);
    error ContractMismatch(bytes32 contractCid, bytes32 termsCid);
    error InvalidPrice();
    error SignatureExpired(uint256 deadline, uint256 timestamp);
    error InvalidSignature(address signer);
    error TradeNotFound(address exchange, uint16 year, uint32 serial);
    error InvalidSettlementChange(uint16 year, uint32 serial, SettlementStatus from, SettlementStatus to);
    error SerialExhausted(uint16 year);
    error NotCouncil(address account);

    /// @notice Emitted when an exchange's trade code is set: by the exchange (once) or by the council.
    event TradeCodeSet(address indexed exchange, bytes6 code);

    /// @notice Emitted, after `TradeCodeSet`, when the council assigns an exchange's code: approving one for an
    /// exchange without a code, or overriding its code (`previous`; zero when it had none).
    event TradeCodeAssigned(address indexed exchange, bytes6 code, bytes6 previous, address council);

    /// @notice Emitted when an exchange records a trade; the buyer's right is the DataRegistry's `RightGranted`
    /// of the same transaction, `rightIndex` here. The certificate number is the exchange's code (`TradeCodeSet`),
    /// `JY`, `year` (4 digits) and `serial` (6 digits), as `certificateNumber` returns it. The seller is the
    /// listing's holder (`Listed`), the grantor of that `RightGranted`.
    event TradeRecorded(
        address indexed exchange,
        bytes32 indexed assetId,
        address indexed buyer,
        uint16 year,
        uint32 serial,
        uint256 rightIndex,
        Trade trade
    );

    /// @notice Emitted when the exchange changes a trade's settlement status.
    event TradeSettlementChanged(
        address indexed exchange, uint16 indexed year, uint32 indexed serial, SettlementStatus status, bytes32 noteCid
    );

    /// @notice Emitted when the exchange records delivery evidence for a trade.
    event DeliveryRecorded(address indexed exchange, uint16 indexed year, uint32 indexed serial, bytes32 evidenceCid);

    /// @notice Sets the caller's trade code (2 to 6 characters, A-Z and 0-9, unique); the caller must be an
    /// active exchange, and the code can be set once.
    function setTradeCode(bytes6 code) external;

    /// @notice The council (the ParticipantRegistry's owner) sets or overrides an active exchange's trade code. The
    /// code must be well formed and not another exchange's, now or before (a code is never reused: numbers issued
    /// under it keep their meaning); trades numbered under the old code keep their certificate numbers. Council governance: also while paused.
    function assignTradeCode(address exchange, bytes6 code) external;

    /// @notice Records a trade on the caller's own valid listing and grants the buyer's usage right.
    /// @return year The year of the certificate number (Beijing time).
    /// @return serial The exchange's serial of the year.
    /// @return rightIndex The buyer's new right in the DataRegistry.
    function recordTrade(Trade calldata trade, IDataRegistry.GrantTerms calldata terms, Signatures calldata sigs)
        external
        returns (uint16 year, uint32 serial, uint256 rightIndex);

    /// @notice Changes the settlement status of one of the caller's trades (not back to None, not unchanged).
    function setSettlement(uint16 year, uint32 serial, SettlementStatus status, bytes32 noteCid) external;

    /// @notice Records delivery evidence (SHA-256 digest of its CIDv0) for one of the caller's trades; any
    /// number of times (partial deliveries, corrections), each an event.
    function recordDelivery(uint16 year, uint32 serial, bytes32 evidenceCid) external;

    /// @notice A trade's settlement status; None for no such trade.
    function settlementOf(address exchange, uint16 year, uint32 serial) external view returns (SettlementStatus);

    /// @notice The certificate number of `exchange`'s trade (year, serial).
    function certificateNumber(address exchange, uint16 year, uint32 serial) external view returns (string memory);

    function tradeCodes(address exchange) external view returns (bytes6);

    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32);
}
