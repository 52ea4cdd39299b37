// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IDataRegistry} from "./interfaces/IDataRegistry.sol";
import {IListingRegistry} from "./interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {ITradeRegistry} from "./interfaces/ITradeRegistry.sol";
import {CertificateNumber} from "./libraries/CertificateNumber.sol";
import {PauseFlag} from "./PauseFlag.sol";

/// @title TradeRegistry
/// @notice See {ITradeRegistry}. Reads listings from the ListingRegistry, exchanges from the ParticipantRegistry,
/// and creates the buyer's right through the DataRegistry's `grantBySig`: the DataRegistry is unchanged.
contract TradeRegistry is ITradeRegistry, EIP712, ERC2771Context, PauseFlag {
    bytes32 private constant ACCEPTANCE_TYPEHASH = keccak256(
        "TradeAcceptance(address buyer,address exchange,uint256 listingId,bytes32 grantSignatureHash,"
        "uint256 priceAmount,bytes3 currency,bytes32 priceHash,bytes32 contractCid,uint256 deadline)"
    );
    uint32 private constant MAX_SERIAL = 999_999;

    IDataRegistry public immutable dataRegistry;
    IListingRegistry public immutable listings;
    IParticipantRegistry public immutable participants;

    /// @dev One slot per exchange: its code and the last serial of the year.
    struct Book {
        bytes6 code;
        uint16 year;
        uint32 serial;
    }

    mapping(address exchange => Book) private _books;
    mapping(bytes6 code => address exchange) private _codeOwners;
    /// @dev The last serial of each year before the exchange's current one (written once, at the year's turn).
    mapping(address exchange => mapping(uint16 year => uint32 serial)) private _closedYears;
    /// @dev Settlement statuses, four bits per trade and 64 trades per slot, keyed by (year << 20 | serial), as
    /// `status - 1`: a recorded trade is Pending with nothing stored, so recording writes only the exchange's
    /// book; a trade exists when its serial is at most its year's last.
    mapping(address exchange => mapping(uint256 word => uint256 statuses)) private _statuses;
    /// @dev The codes an exchange numbered its trades with before the council changed its code, oldest first,
    /// each with the key (year << 20 | serial) of its last trade under it: a certificate number, once issued,
    /// never changes. Only the council's override writes here, so recording a trade never reads it.
    mapping(address exchange => CodeEra[]) private _formerCodes;

    struct CodeEra {
        bytes6 code;
        uint256 lastKey;
    }

    constructor(
        IDataRegistry dataRegistry_,
        IListingRegistry listings_,
        IParticipantRegistry participants_,
        address trustedForwarder
    ) EIP712("TradeRegistry", "1") ERC2771Context(trustedForwarder) {
        dataRegistry = dataRegistry_;
        listings = listings_;
        participants = participants_;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // The exchange's trade code
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc ITradeRegistry
    function setTradeCode(bytes6 code) external {
        _whenNotPaused();
        address exchange = _activeExchange();
        if (!_validCode(code)) revert InvalidTradeCode(code);
        bytes6 current = _books[exchange].code;
        if (current != bytes6(0)) revert TradeCodeAlreadySet(exchange, current);
        address owner = _codeOwners[code];
        if (owner != address(0)) revert TradeCodeTaken(code, owner);
        _codeOwners[code] = exchange;
        _books[exchange].code = code;
        emit TradeCodeSet(exchange, code);
    }

    /// @inheritdoc ITradeRegistry
    /// @dev Governance, like admitting participants: not stopped by a pause (the council may need it then).
    function assignTradeCode(address exchange, bytes6 code) external {
        address council = _msgSender();
        if (council != Ownable(address(participants)).owner()) revert NotCouncil(council);
        if (!participants.isActive(exchange, IParticipantRegistry.Role.Exchange)) revert NotAnExchange(exchange);
        if (!_validCode(code)) revert InvalidTradeCode(code);
        Book storage book = _books[exchange];
        bytes6 current = book.code;
        if (current == code) revert TradeCodeAlreadySet(exchange, current);
        // A code stays its exchange's for good, even after an override: numbers issued under it keep their meaning.
        address owner = _codeOwners[code];
        if (owner != address(0) && owner != exchange) revert TradeCodeTaken(code, owner);
        if (current != bytes6(0) && book.year != 0) {
            // The trades numbered so far keep the old code (see `certificateNumber`).
            _formerCodes[exchange].push(CodeEra(current, _key(book.year, book.serial)));
        }
        _codeOwners[code] = exchange;
        book.code = code;
        emit TradeCodeSet(exchange, code);
        emit TradeCodeAssigned(exchange, code, current, council);
    }

    /// @dev 2 to 6 characters A-Z or 0-9, left-aligned, zero-padded.
    function _validCode(bytes6 code) private pure returns (bool) {
        uint256 length = 0;
        for (uint256 i; i < 6; ++i) {
            bytes1 c = code[i];
            if (c == 0) break;
            if (!((c >= "A" && c <= "Z") || (c >= "0" && c <= "9"))) return false;
            ++length;
        }
        for (uint256 i = length; i < 6; ++i) {
            if (code[i] != 0) return false;
        }
        return length >= 2;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Trades
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc ITradeRegistry
    function recordTrade(Trade calldata t, IDataRegistry.GrantTerms calldata terms, Signatures calldata sigs)
        external
        returns (uint16 year, uint32 serial, uint256 rightIndex)
    {
        _whenNotPaused();
        address exchange = _activeExchange();
        IListingRegistry.ListingView memory listing = _exchangesValidListing(t.listingId, exchange);
        _checkTerms(t, terms, listing.assetId);
        _checkAcceptance(t, exchange, sigs);
        rightIndex = dataRegistry.grantBySig(
            listing.assetId, t.parentIndex, terms, listing.holder, sigs.grantDeadline, sigs.grantSignature
        );
        (year, serial) = _nextSerial(exchange);
        _emitRecorded(exchange, listing, year, serial, rightIndex, t);
    }

    /// @dev Its own function only to keep `recordTrade` within the EVM's stack limit.
    function _emitRecorded(
        address exchange,
        IListingRegistry.ListingView memory listing,
        uint16 year,
        uint32 serial,
        uint256 rightIndex,
        Trade calldata t
    ) private {
        emit TradeRecorded(
            exchange, listing.assetId, t.buyer, year, serial, rightIndex, t
        );
    }

    /// @inheritdoc ITradeRegistry
    function setSettlement(uint16 year, uint32 serial, SettlementStatus status, bytes32 noteCid) external {
        _whenNotPaused();
        address exchange = _msgSender();
        SettlementStatus from = _existingTrade(exchange, year, serial);
        if (status == SettlementStatus.None || status == from) {
            revert InvalidSettlementChange(year, serial, from, status);
        }
        _setStatus(exchange, year, serial, status);
        emit TradeSettlementChanged(exchange, year, serial, status, noteCid);
    }

    /// @inheritdoc ITradeRegistry
    function recordDelivery(uint16 year, uint32 serial, bytes32 evidenceCid) external {
        _whenNotPaused();
        address exchange = _msgSender();
        _existingTrade(exchange, year, serial);
        emit DeliveryRecorded(exchange, year, serial, evidenceCid);
    }

    /// @dev The council's emergency stop (see {PauseFlag}): the participant registry holds the switch.
    function _pauseSwitch() internal view override returns (IParticipantRegistry) {
        return participants;
    }

    function _activeExchange() private view returns (address exchange) {
        exchange = _msgSender();
        if (!participants.isActive(exchange, IParticipantRegistry.Role.Exchange)) revert NotAnExchange(exchange);
    }

    /// @dev The listing rule is the ListingRegistry's own, in one call (`tradeableListing`: `listingValidity`
    /// without the exchange's standing, which `_activeExchange` has just checked, here for the listing's own
    /// exchange), so this contract keeps no copy of it that could fall behind (issue 17: a copy missed a
    /// listing's end and its compliance).
    function _exchangesValidListing(uint256 listingId, address exchange)
        private
        view
        returns (IListingRegistry.ListingView memory listing)
    {
        IListingRegistry.ListingValidity validity;
        (listing, validity) = listings.tradeableListing(listingId);
        if (listing.exchange != exchange) revert NotExchangesListing(listingId, exchange);
        if (validity != IListingRegistry.ListingValidity.Valid) revert ListingNotValid(listingId, uint8(validity));
    }

    /// @dev The price is public (amount and currency) or committed (hash); the grant goes to the buyer under the
    /// contract document, from a usage right (DataRegistry checks the seller holds it).
    function _checkTerms(Trade calldata t, IDataRegistry.GrantTerms calldata terms, bytes32 assetId) private view {
        bool isPublic = t.priceAmount != 0 && _validCurrency(t.currency) && t.priceHash == 0;
        bool isConfidential = t.priceAmount == 0 && t.currency == 0 && t.priceHash != 0;
        if (!isPublic && !isConfidential) revert InvalidPrice();
        if (terms.grantee != t.buyer) revert BuyerMismatch(t.buyer, terms.grantee);
        if (terms.termsCid != t.contractCid || t.contractCid == 0) revert ContractMismatch(t.contractCid, terms.termsCid);
        // Index 2 is the primary usage right (indices 1..3 are the primary rights, by kind).
        if (t.parentIndex != 2 && dataRegistry.getRight(assetId, t.parentIndex).kind != IDataRegistry.RightKind.Usage) {
            revert NotAUsageRight(assetId, t.parentIndex);
        }
    }

    function _validCurrency(bytes3 c) private pure returns (bool) {
        for (uint256 i; i < 3; ++i) {
            if (c[i] < "A" || c[i] > "Z") return false;
        }
        return true;
    }

    /// @dev The buyer accepts the seller's very grant signature (its hash): that signature covers the asset,
    /// the usage right it is granted from, the terms and the seller's DataRegistry nonce, and `grantBySig` below
    /// verifies it and consumes the nonce, so an acceptance records one trade at most, with no nonce of its own.
    function _checkAcceptance(Trade calldata t, address exchange, Signatures calldata sigs) private view {
        if (block.timestamp > sigs.acceptDeadline) revert SignatureExpired(sigs.acceptDeadline, block.timestamp);
        bytes32 structHash = keccak256(
            abi.encode(
                ACCEPTANCE_TYPEHASH,
                t.buyer,
                exchange,
                t.listingId,
                keccak256(sigs.grantSignature),
                t.priceAmount,
                t.currency,
                t.priceHash,
                t.contractCid,
                sigs.acceptDeadline
            )
        );
        if (!SignatureChecker.isValidSignatureNowCalldata(t.buyer, _hashTypedDataV4(structHash), sigs.acceptSignature))
        {
            revert InvalidSignature(t.buyer);
        }
    }

    function _nextSerial(address exchange) private returns (uint16 year, uint32 serial) {
        Book storage book = _books[exchange];
        if (book.code == bytes6(0)) revert TradeCodeNotSet(exchange);
        // slither-disable-next-line unused-return (the month is not part of a trade's number)
        (uint256 y,) = CertificateNumber.yearMonth(block.timestamp);
        // forge-lint: disable-next-line(unsafe-typecast) a Gregorian year fits in 16 bits until 65535
        year = uint16(y);
        uint16 current = book.year;
        // slither-disable-next-line incorrect-equality (a year compared with a year: no balance or timestamp)
        if (current == year) {
            serial = book.serial + 1;
            if (serial > MAX_SERIAL) revert SerialExhausted(year);
        } else {
            if (current != 0) _closedYears[exchange][current] = book.serial;
            serial = 1;
        }
        book.year = year;
        book.serial = serial;
    }

    function _key(uint16 year, uint32 serial) private pure returns (uint256) {
        return (uint256(year) << 20) | serial;
    }

    function _statusOf(address exchange, uint16 year, uint32 serial) private view returns (SettlementStatus) {
        Book storage book = _books[exchange];
        uint32 last = year == book.year ? book.serial : _closedYears[exchange][year];
        if (serial == 0 || serial > last) return SettlementStatus.None;
        uint256 key = _key(year, serial);
        return SettlementStatus(((_statuses[exchange][key >> 6] >> ((key & 63) * 4)) & 0xF) + 1);
    }

    function _setStatus(address exchange, uint16 year, uint32 serial, SettlementStatus status) private {
        uint256 key = _key(year, serial);
        uint256 shift = (key & 63) * 4;
        uint256 word = _statuses[exchange][key >> 6];
        _statuses[exchange][key >> 6] = (word & ~(uint256(0xF) << shift)) | ((uint256(status) - 1) << shift);
    }

    function _existingTrade(address exchange, uint16 year, uint32 serial) private view returns (SettlementStatus s) {
        s = _statusOf(exchange, year, serial);
        if (s == SettlementStatus.None) revert TradeNotFound(exchange, year, serial);
    }

    /// @dev The code the trade with `key` was numbered with: the first former code whose era reaches it, else
    /// the current one.
    function _codeOf(address exchange, uint256 key) private view returns (bytes6) {
        CodeEra[] storage eras = _formerCodes[exchange];
        for (uint256 i; i < eras.length; ++i) {
            if (key <= eras[i].lastKey) return eras[i].code;
        }
        return _books[exchange].code;
    }

    function _format(bytes6 code, uint16 year, uint32 serial) private pure returns (string memory) {
        uint256 length;
        while (length < 6 && code[length] != 0) ++length;
        bytes memory prefix = new bytes(length);
        for (uint256 i; i < length; ++i) {
            prefix[i] = code[i];
        }
        return string(abi.encodePacked(prefix, "JY", _digits(year, 4), _digits(serial, 6)));
    }

    function _digits(uint256 value, uint256 width) private pure returns (bytes memory out) {
        out = new bytes(width);
        for (uint256 i = width; i > 0; --i) {
            out[i - 1] = bytes1(uint8(48 + value % 10));
            value /= 10;
        }
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc ITradeRegistry
    function settlementOf(address exchange, uint16 year, uint32 serial) external view returns (SettlementStatus) {
        return _statusOf(exchange, year, serial);
    }

    /// @inheritdoc ITradeRegistry
    function certificateNumber(address exchange, uint16 year, uint32 serial) external view returns (string memory) {
        _existingTrade(exchange, year, serial);
        return _format(_codeOf(exchange, _key(year, serial)), year, serial);
    }

    /// @inheritdoc ITradeRegistry
    function tradeCodes(address exchange) external view returns (bytes6) {
        return _books[exchange].code;
    }

    /// @inheritdoc ITradeRegistry
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
