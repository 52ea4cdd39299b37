// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

import {RegistryFixture} from "./RegistryFixture.t.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";

/// @notice An ERC-1271 signer whose answer can change between signing and submission, as a multisig's does when
/// its owners withdraw an approval or are rotated.
contract FickleWallet {
    bytes4 private constant MAGIC = 0x1626ba7e;
    mapping(bytes32 digest => bool) public approved;

    function approve(bytes32 digest) external {
        approved[digest] = true;
    }

    function withdraw(bytes32 digest) external {
        approved[digest] = false;
    }

    function isValidSignature(bytes32 digest, bytes calldata) external view returns (bytes4) {
        return approved[digest] ? MAGIC : bytes4(0xffffffff);
    }
}

/// @notice Every signed path of the registry, as a call a submitter can send: built from a description of the
/// signature (whose key, which domain, which chain, malleated or tampered), so the attack tests and the fuzz
/// tests make their signed calls in one way. Holder, asset and grant are the fixture's; a FickleWallet with an
/// asset and a grant of its own stands in for an ERC-1271 multisig.
abstract contract SignedCalls is RegistryFixture {
    enum Path {
        Register,
        Grant,
        Transfer,
        Revoke,
        Renew,
        ListingConsent,
        Forward
    }

    uint256 internal constant PATHS = 7;
    string[PATHS] internal pathNames = [
        "DataRegistry.registerBySig",
        "DataRegistry.grantBySig",
        "DataRegistry.transferBySig",
        "DataRegistry.revokeBySig",
        "DataRegistry.renewBySig",
        "ListingRegistry.list (ListingConsent)",
        "Forwarder.execute (ForwardRequest)"
    ];

    /// @dev How a signature is made: by whom, for which domain, and what is done to it afterwards.
    struct Sig {
        uint256 key; // 0: the ERC-1271 wallet signs by approving the digest
        address signer;
        bytes32 assetId;
        string domainName; // empty: the path's own contract
        address verifying; // zero: the path's own contract
        uint256 chainId; // zero: this chain
        uint256 deadline;
        bool malleate;
        bool tamper;
    }

    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    FickleWallet internal wallet;
    bytes32 internal walletAsset;
    bytes32 internal lastDigest;

    function setUp() public virtual override {
        super.setUp();
        // A multisig wallet holding every right of its own asset, with a usage grant to GRANTEE (right 4).
        wallet = new FickleWallet();
        walletAsset = _register(d, address(wallet), "wallet asset");
        vm.prank(address(wallet));
        d.registry.grant(walletAsset, 2, terms(who[GRANTEE], 0));
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Signed calls, one builder per path
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    function _sig() internal view returns (Sig memory s) {
        s.key = keys[HOLDER];
        s.signer = who[HOLDER];
        s.assetId = asset;
        s.deadline = block.timestamp + 1 hours;
    }

    function _walletSig() internal view returns (Sig memory s) {
        s.signer = address(wallet);
        s.assetId = walletAsset;
        s.deadline = block.timestamp + 1 hours;
    }

    /// @dev The signed call for path `p` made as `s` says, to be submitted to deployment `x`: who sends it, to
    /// which contract, with which calldata.
    function _signed(Path p, Sig memory s, Deployment memory x)
        internal
        returns (address submitter, address target, bytes memory data)
    {
        submitter = p == Path.ListingConsent ? who[EXCHANGE] : who[RELAYER];
        target = _ownContract(p, x);
        if (p == Path.Register) data = _signedRegister(s, x);
        else if (p == Path.Grant) data = _signedGrant(s, x);
        else if (p == Path.Transfer) data = _signedTransfer(s, x);
        else if (p == Path.Revoke) data = _signedRevoke(s, x);
        else if (p == Path.Renew) data = _signedRenew(s, x);
        else if (p == Path.ListingConsent) data = _signedConsent(s, x);
        else data = _signedForward(s, x);
    }

    function _signedRegister(Sig memory s, Deployment memory x) internal returns (bytes memory) {
        IDataRegistry.Registration memory r = registration(s.signer, keccak256("signed registration"));
        bytes memory sig =
            _signWith(s, Path.Register, x, registerHash(r, s.signer, x.registry.nonces(s.signer), s.deadline));
        if (s.tamper) r.holders[0].account = who[RELAYER]; // the relayer takes the rights
        return abi.encodeCall(x.registry.registerBySig, (r, s.signer, s.deadline, sig));
    }

    function _signedGrant(Sig memory s, Deployment memory x) internal returns (bytes memory) {
        IDataRegistry.GrantTerms memory t = terms(FRESH, 0);
        bytes32 h = keccak256(
            abi.encode(
                GRANT_TYPEHASH, s.signer, s.assetId, uint256(2), termsHash(t), x.registry.nonces(s.signer), s.deadline
            )
        );
        bytes memory sig = _signWith(s, Path.Grant, x, h);
        if (s.tamper) t.grantee = who[RELAYER];
        return abi.encodeCall(x.registry.grantBySig, (s.assetId, 2, t, s.signer, s.deadline, sig));
    }

    function _signedTransfer(Sig memory s, Deployment memory x) internal returns (bytes memory) {
        bytes32 h = keccak256(
            abi.encode(TRANSFER_TYPEHASH, s.signer, s.assetId, uint256(1), FRESH, x.registry.nonces(s.signer), s.deadline)
        );
        bytes memory sig = _signWith(s, Path.Transfer, x, h);
        address to = s.tamper ? who[RELAYER] : FRESH;
        return abi.encodeCall(x.registry.transferBySig, (s.assetId, 1, to, s.signer, s.deadline, sig));
    }

    function _signedRevoke(Sig memory s, Deployment memory x) internal returns (bytes memory) {
        bytes32 h = keccak256(
            abi.encode(
                REVOKE_TYPEHASH, s.signer, s.assetId, USAGE_GRANT, uint16(4), bytes32(0), x.registry.nonces(s.signer),
                s.deadline
            )
        );
        bytes memory sig = _signWith(s, Path.Revoke, x, h);
        uint16 reason = s.tamper ? 1 : 4;
        return abi.encodeCall(x.registry.revokeBySig, (s.assetId, USAGE_GRANT, reason, bytes32(0), s.signer, s.deadline, sig));
    }

    function _signedRenew(Sig memory s, Deployment memory x) internal returns (bytes memory) {
        uint64 until = uint64(block.timestamp + 30 days);
        bytes32 h = keccak256(
            abi.encode(RENEW_TYPEHASH, s.signer, s.assetId, USAGE_GRANT, until, x.registry.nonces(s.signer), s.deadline)
        );
        bytes memory sig = _signWith(s, Path.Renew, x, h);
        if (s.tamper) until *= 2;
        return abi.encodeCall(x.registry.renewBySig, (s.assetId, USAGE_GRANT, until, s.signer, s.deadline, sig));
    }

    function _signedConsent(Sig memory s, Deployment memory x) internal returns (bytes memory) {
        IListingRegistry.ListingRequest memory req = listingRequest(s.assetId, "SIG-1");
        uint256 nonce = 7; // an unordered consent id
        bytes memory sig = _signWith(s, Path.ListingConsent, x, consentHash(s.signer, who[EXCHANGE], req, nonce, s.deadline));
        if (s.tamper) req.exchangeListingId = "SIG-2";
        return abi.encodeCall(x.listings.list, (req, s.signer, nonce, s.deadline, sig));
    }

    function _signedForward(Sig memory s, Deployment memory x) internal returns (bytes memory) {
        ERC2771Forwarder.ForwardRequestData memory req;
        req.from = s.signer;
        req.to = address(x.registry);
        req.gas = 1_000_000;
        req.deadline = uint48(s.deadline);
        req.data = abi.encodeCall(x.registry.transfer, (s.assetId, 1, FRESH));
        bytes32 h = keccak256(
            abi.encode(
                FORWARD_REQUEST_TYPEHASH, req.from, req.to, req.value, req.gas, x.forwarder.nonces(req.from),
                req.deadline, keccak256(req.data)
            )
        );
        req.signature = _signWith(s, Path.Forward, x, h);
        if (s.tamper) req.data = abi.encodeCall(x.registry.transfer, (s.assetId, 1, who[RELAYER]));
        return abi.encodeCall(x.forwarder.execute, (req));
    }

    /// @dev The contract whose EIP-712 domain signs path `p` in deployment `x`.
    function _ownContract(Path p, Deployment memory x) internal pure returns (address) {
        if (p == Path.ListingConsent) return address(x.listings);
        if (p == Path.Forward) return address(x.forwarder);
        return address(x.registry);
    }

    function _signWith(Sig memory s, Path p, Deployment memory x, bytes32 structHash) internal returns (bytes memory) {
        string memory name = p == Path.ListingConsent
            ? "ListingRegistry"
            : p == Path.Forward ? "DataregForwarder" : "DataRegistry";
        if (bytes(s.domainName).length != 0) name = s.domainName;
        address verifying = s.verifying != address(0) ? s.verifying : _ownContract(p, x);
        uint256 chainId = s.chainId != 0 ? s.chainId : block.chainid;
        bytes32 h = digest(domain(name, chainId, verifying), structHash);
        lastDigest = h;
        if (s.key == 0) {
            // The wallet's owners approve the digest on chain; the signature bytes only have to be non-empty
            // (an empty consent signature means "approved by transaction" to the ListingRegistry).
            FickleWallet(s.signer).approve(h);
            return "approved on chain";
        }
        (uint8 v, bytes32 r, bytes32 sv) = vm.sign(s.key, h);
        if (s.malleate) (sv, v) = (bytes32(N - uint256(sv)), v == 27 ? 28 : 27);
        return abi.encodePacked(r, sv, v);
    }

    function _submit(Path p, Sig memory s, Deployment memory x) internal returns (bool ok, bytes4 err) {
        (address submitter, address target, bytes memory data) = _signed(p, s, x);
        vm.prank(submitter);
        bytes memory ret;
        (ok, ret) = target.call(data);
        if (!ok && ret.length >= 4) err = bytes4(ret);
    }
}
