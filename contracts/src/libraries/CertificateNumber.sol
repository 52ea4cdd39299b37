// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title CertificateNumber
/// @notice The certificate numbers a registrar issues, as ASCII left-aligned in a `bytes17` (a 15-character number
/// is followed by two zero bytes):
/// - national data property registration (数据产权登记工作指引): `SJ` + region (2 digits, from the administrative
///   division code) + registrar (1 character) + year and month (YYYYMM, Beijing time) + monthly serial (4 digits):
///   15 characters, e.g. `SJ35A2026110001`;
/// - data intellectual property registration (数据知识产权登记, "17 digits"): our reading of the same layout in
///   digits only: the administrative division code in full (6 digits, e.g. 350200 Xiamen: IP registration is run by
///   city-level market regulators, so two digits of province would not tell the offices apart) + registrar (1 digit)
///   + YYYYMM + monthly serial (4 digits): 17 digits, e.g. `35020012026110001`. No public text fixes the layout;
///   this one keeps every part of the national number except the letters `SJ`, and is told apart from it by its
///   length and its first character (a digit, never `S`).
library CertificateNumber {
    error SerialExhausted(uint256 serial);

    /// @dev Beijing time is UTC+8, and the month of a certificate is the month in Beijing.
    int256 private constant BEIJING_OFFSET = 8 hours;

    function format(bytes2 region, bytes1 registrarCode, uint256 timestamp, uint256 serial)
        internal
        pure
        returns (bytes17 certificate)
    {
        if (serial == 0 || serial > 9999) revert SerialExhausted(serial);
        (uint256 year, uint256 month) = yearMonth(timestamp);
        bytes memory text = abi.encodePacked(
            "SJ", region, registrarCode, _digits(year, 4), _digits(month, 2), _digits(serial, 4)
        );
        assembly {
            certificate := mload(add(text, 32))
        }
        // The word past the text's 15 bytes is free memory, not necessarily zero.
        certificate &= bytes17(bytes15(type(uint120).max));
    }

    /// @notice The 17-digit data intellectual property certificate number (see the library's notice).
    function formatIp(bytes6 division, bytes1 registrarCode, uint256 timestamp, uint256 serial)
        internal
        pure
        returns (bytes17 certificate)
    {
        if (serial == 0 || serial > 9999) revert SerialExhausted(serial);
        (uint256 year, uint256 month) = yearMonth(timestamp);
        bytes memory text =
            abi.encodePacked(division, registrarCode, _digits(year, 4), _digits(month, 2), _digits(serial, 4));
        assembly {
            certificate := mload(add(text, 32))
        }
        certificate &= bytes17(type(uint136).max);
    }

    /// @notice The YYYYMM of a unix time in Beijing, as a number (e.g. 202611): the key of monthly serials.
    function monthKey(uint256 timestamp) internal pure returns (uint256) {
        (uint256 year, uint256 month) = yearMonth(timestamp);
        return year * 100 + month;
    }

    /// @dev Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), for Beijing time. Its divisions
    /// are floor divisions on purpose (eras of 400 years, years of an era, months from March), so Slither's
    /// divide-before-multiply does not apply (triaged in SECURITY.md; fuzzed against the inverse algorithm).
    // slither-disable-start divide-before-multiply
    function yearMonth(uint256 timestamp) internal pure returns (uint256 year, uint256 month) {
        int256 z = (int256(timestamp) + BEIJING_OFFSET) / 1 days + 719468;
        int256 era = z / 146097;
        int256 doe = z % 146097;
        int256 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int256 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int256 mp = (5 * doy + 2) / 153;
        int256 m = mp < 10 ? mp + 3 : mp - 9;
        int256 y = yoe + era * 400 + (m <= 2 ? int256(1) : int256(0));
        return (uint256(y), uint256(m));
    }
    // slither-disable-end divide-before-multiply

    function _digits(uint256 value, uint256 width) private pure returns (bytes memory out) {
        out = new bytes(width);
        for (uint256 i = width; i > 0; --i) {
            out[i - 1] = bytes1(uint8(48 + value % 10));
            value /= 10;
        }
    }
}
