// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title CertificateNumber
/// @notice The national registration certificate number (数据产权登记工作指引): `SJ` + region (2 digits, from the
/// administrative division code) + registrar (1 character) + year and month (YYYYMM, Beijing time) + monthly
/// serial (4 digits): 15 characters.
library CertificateNumber {
    error SerialExhausted(uint256 serial);

    /// @dev Beijing time is UTC+8, and the month of a certificate is the month in Beijing.
    int256 private constant BEIJING_OFFSET = 8 hours;

    function format(bytes2 region, bytes1 registrarCode, uint256 timestamp, uint256 serial)
        internal
        pure
        returns (bytes15 certificate)
    {
        if (serial == 0 || serial > 9999) revert SerialExhausted(serial);
        (uint256 year, uint256 month) = yearMonth(timestamp);
        bytes memory text = abi.encodePacked(
            "SJ", region, registrarCode, _digits(year, 4), _digits(month, 2), _digits(serial, 4)
        );
        assembly {
            certificate := mload(add(text, 32))
        }
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
