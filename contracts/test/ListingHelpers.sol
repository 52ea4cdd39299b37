// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";

/// @dev Listing requests with ordinary terms, and the EIP-712 consent hash, shared by the tests that list.
library ListingHelpers {
    bytes32 internal constant TERMS_TYPEHASH = keccak256(
        "ListingTerms(uint8 priceModel,uint256 priceAmount,bytes3 currency,uint8 productForm,uint8 deliveryModes,"
        "uint64 validUntil,string usageScope)"
    );
    bytes32 internal constant CONSENT_TYPEHASH = keccak256(
        "ListingConsent(address holder,address exchange,bytes32 assetId,uint256 rightIndex,uint256 originListingId,"
        "string exchangeListingId,bytes32 offerTermsCid,uint256 attestationId,ListingTerms terms,uint256 nonce,"
        "uint256 deadline)ListingTerms(uint8 priceModel,uint256 priceAmount,bytes3 currency,uint8 productForm,"
        "uint8 deliveryModes,uint64 validUntil,string usageScope)"
    );

    /// @dev A fixed-price dataset delivered by download, with no end.
    function terms() internal pure returns (IListingRegistry.ListingTerms memory t) {
        t.priceModel = IListingRegistry.PriceModel.Fixed;
        t.priceAmount = 500_000_00;
        t.currency = "CNY";
        t.productForm = IListingRegistry.ProductForm.Dataset;
        t.deliveryModes = 1;
        t.usageScope = unicode"仅限交通规划研究";
    }

    function request(bytes32 assetId, uint256 rightIndex, uint256 origin, string memory ref, bytes32 offerTermsCid)
        internal
        pure
        returns (IListingRegistry.ListingRequest memory)
    {
        return IListingRegistry.ListingRequest(assetId, rightIndex, origin, ref, offerTermsCid, 0, terms());
    }

    function termsHash(IListingRegistry.ListingTerms memory t) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                TERMS_TYPEHASH, t.priceModel, t.priceAmount, t.currency, t.productForm, t.deliveryModes, t.validUntil,
                keccak256(bytes(t.usageScope))
            )
        );
    }

    function consentHash(
        address holder,
        address exchange,
        IListingRegistry.ListingRequest memory r,
        uint256 consentId,
        uint256 deadline
    ) internal pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                abi.encode(
                    CONSENT_TYPEHASH, holder, exchange, r.assetId, r.rightIndex, r.originListingId,
                    keccak256(bytes(r.exchangeListingId)), r.offerTermsCid
                ),
                abi.encode(r.attestationId, termsHash(r.terms), consentId, deadline)
            )
        );
    }

    function permissive() internal pure returns (IListingRegistry.ListingPolicy memory p) {
        p.allowUncertified = true;
    }
}
