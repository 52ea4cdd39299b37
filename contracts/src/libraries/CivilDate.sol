// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title CivilDate
/// @notice Calendar arithmetic in Beijing time (UTC+8) for validity periods counted in calendar years: a
/// registration made on a day ends on the same day and time N years later, so a leap day inside the period
/// never shortens it (N × 365 days would). A start on 29 February ends on 1 March of a common year: the
/// period is never shorter than N calendar years.
/// @dev Howard Hinnant's days-from-civil and civil-from-days algorithms (public domain), for dates from
/// 1970 on. Their divisions are floor divisions on purpose (Slither's divide-before-multiply does not apply).
library CivilDate {
    uint256 private constant BEIJING_OFFSET = 8 hours;

    /// @notice `timestamp` plus `years` calendar years, in Beijing time.
    function addYears(uint256 timestamp, uint256 count) internal pure returns (uint256) {
        uint256 local = timestamp + BEIJING_OFFSET;
        uint256 secondsOfDay = local % 1 days;
        (uint256 y, uint256 m, uint256 d) = civilFromDays(local / 1 days);
        y += count;
        if (m == 2 && d == 29 && !isLeapYear(y)) (m, d) = (3, 1);
        return daysFromCivil(y, m, d) * 1 days + secondsOfDay - BEIJING_OFFSET;
    }

    function isLeapYear(uint256 y) internal pure returns (bool) {
        return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    }

    // slither-disable-start divide-before-multiply
    /// @notice Days since 1970-01-01 of a civil date (year ≥ 1970).
    function daysFromCivil(uint256 y, uint256 m, uint256 d) internal pure returns (uint256) {
        if (m <= 2) y -= 1;
        uint256 era = y / 400;
        uint256 yoe = y - era * 400;
        uint256 mp = m > 2 ? m - 3 : m + 9;
        uint256 doy = (153 * mp + 2) / 5 + d - 1;
        uint256 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }

    /// @notice The civil date of a day count since 1970-01-01.
    function civilFromDays(uint256 z) internal pure returns (uint256 y, uint256 m, uint256 d) {
        z += 719468;
        uint256 era = z / 146097;
        uint256 doe = z - era * 146097;
        uint256 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        uint256 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        uint256 mp = (5 * doy + 2) / 153;
        d = doy - (153 * mp + 2) / 5 + 1;
        m = mp < 10 ? mp + 3 : mp - 9;
        y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    }
    // slither-disable-end divide-before-multiply
}
