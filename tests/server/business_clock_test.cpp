#include "business_clock.hpp"

#include <doctest/doctest.h>

using namespace parley::server;
using std::chrono::system_clock;
using namespace std::chrono_literals;

namespace {

// A UTC instant from calendar fields.
system_clock::time_point utc(int y, unsigned mo, unsigned d, int h, int mi = 0) {
    return std::chrono::sys_days{std::chrono::year{y} / mo / d} + std::chrono::hours{h} +
           std::chrono::minutes{mi};
}

std::int64_t ms(system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Mon-Fri 09:00-18:00 in `tz`.
parley::business_hours office(const char* tz) {
    parley::business_hours h;
    h.timezone = tz;
    h.always_open = false;
    for (int d = 0; d < 5; ++d) h.weekly[static_cast<std::size_t>(d)].push_back({9 * 60, 18 * 60});
    return h;
}

parley::business_hours sunday_only(int from, int to) {
    parley::business_hours h;
    h.timezone = "Europe/Berlin";
    h.always_open = false;
    h.weekly[6].push_back({from, to});
    return h;
}

}  // namespace

TEST_CASE("always_open shops are open and SLAs run on the wall clock") {
    parley::business_hours h;  // defaults: always_open
    const auto t = utc(2026, 3, 29, 1, 30);
    CHECK(is_open(h, t));
    CHECK(next_opening(h, t) == t);
    CHECK(sla_due(h, t, 240min) == ms(t + 4h));
}

TEST_CASE("Europe/Berlin office hours before and after the spring DST change") {
    const auto h = office("Europe/Berlin");
    // Friday 2026-03-27 is still CET (UTC+1): 09:00 local = 08:00 UTC.
    CHECK_FALSE(is_open(h, utc(2026, 3, 27, 7, 59)));
    CHECK(is_open(h, utc(2026, 3, 27, 8, 0)));
    CHECK(is_open(h, utc(2026, 3, 27, 16, 59)));
    CHECK_FALSE(is_open(h, utc(2026, 3, 27, 17, 0)));
    // Monday 2026-03-30 is CEST (UTC+2): 09:00 local = 07:00 UTC.
    CHECK_FALSE(is_open(h, utc(2026, 3, 30, 6, 59)));
    CHECK(is_open(h, utc(2026, 3, 30, 7, 0)));
    CHECK_FALSE(is_open(h, utc(2026, 3, 30, 16, 0)));
    // The weekend, including the night of the change, is closed.
    CHECK_FALSE(is_open(h, utc(2026, 3, 29, 1, 30)));
    CHECK_FALSE(is_open(h, utc(2026, 3, 28, 10, 0)));
    // From Friday evening the next opening is Monday 09:00 CEST.
    CHECK(next_opening(h, utc(2026, 3, 27, 17, 0)) == utc(2026, 3, 30, 7, 0));
    CHECK(next_opening(h, utc(2026, 3, 30, 7, 0)) == utc(2026, 3, 30, 7, 0));
    const auto inside = utc(2026, 3, 30, 7, 0) + 1234ms;
    CHECK(next_opening(h, inside) == inside);
}

TEST_CASE("Europe/Berlin office hours around the autumn DST change") {
    const auto h = office("Europe/Berlin");
    // Friday 2026-10-23 is CEST: 09:00 = 07:00 UTC.
    CHECK(is_open(h, utc(2026, 10, 23, 7, 0)));
    CHECK_FALSE(is_open(h, utc(2026, 10, 23, 6, 59)));
    // Monday 2026-10-26 is CET: 09:00 = 08:00 UTC.
    CHECK_FALSE(is_open(h, utc(2026, 10, 26, 7, 30)));
    CHECK(is_open(h, utc(2026, 10, 26, 8, 0)));
    CHECK(next_opening(h, utc(2026, 10, 23, 16, 0)) == utc(2026, 10, 26, 8, 0));
}

TEST_CASE("an opening time inside the spring-forward gap opens when the gap ends") {
    // 2026-03-29 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
    const auto h = sunday_only(2 * 60 + 30, 4 * 60);
    CHECK(next_opening(h, utc(2026, 3, 28, 12, 0)) == utc(2026, 3, 29, 1, 0));
    CHECK(is_open(h, utc(2026, 3, 29, 1, 0)));   // 03:00 CEST
    CHECK(is_open(h, utc(2026, 3, 29, 1, 59)));  // 03:59 CEST
    CHECK_FALSE(is_open(h, utc(2026, 3, 29, 2, 0)));
    CHECK_FALSE(is_open(h, utc(2026, 3, 29, 0, 59)));  // 01:59 CET
    // An interval wholly inside the gap does not exist that day: next week's.
    const auto gap = sunday_only(2 * 60 + 10, 2 * 60 + 50);
    CHECK(next_opening(gap, utc(2026, 3, 28, 12, 0)) == utc(2026, 4, 5, 0, 10));  // 02:10 CEST
}

TEST_CASE("a repeated hour in autumn is open both times") {
    // 2026-10-25 03:00 CEST falls back to 02:00 CET at 01:00 UTC.
    const auto h = sunday_only(2 * 60 + 15, 2 * 60 + 45);
    CHECK(is_open(h, utc(2026, 10, 25, 0, 20)));  // 02:20 CEST
    CHECK_FALSE(is_open(h, utc(2026, 10, 25, 0, 50)));
    CHECK(is_open(h, utc(2026, 10, 25, 1, 20)));  // 02:20 CET
    CHECK(next_opening(h, utc(2026, 10, 24, 12, 0)) == utc(2026, 10, 25, 0, 15));
    CHECK(next_opening(h, utc(2026, 10, 25, 0, 50)) == utc(2026, 10, 25, 1, 15));
}

TEST_CASE("Asia/Shanghai has no DST: 09:00 is always 01:00 UTC") {
    const auto h = office("Asia/Shanghai");
    CHECK(is_open(h, utc(2026, 6, 1, 1, 0)));  // Monday
    CHECK_FALSE(is_open(h, utc(2026, 6, 1, 0, 59)));
    CHECK(is_open(h, utc(2026, 1, 5, 9, 59)));  // Monday 17:59 local, winter
    CHECK_FALSE(is_open(h, utc(2026, 1, 5, 10, 0)));
    // Friday 2026-06-05 23:00 UTC is already Saturday 07:00 in Shanghai.
    CHECK_FALSE(is_open(h, utc(2026, 6, 5, 23, 0)));
    CHECK(next_opening(h, utc(2026, 6, 5, 23, 0)) == utc(2026, 6, 8, 1, 0));
}

TEST_CASE("SLA minutes count only open time") {
    const auto h = office("Europe/Berlin");
    // Friday 17:00 CET + 4 open hours = Monday 12:00 CEST (over the DST change).
    CHECK(sla_due(h, utc(2026, 3, 27, 16, 0), 240min) == ms(utc(2026, 3, 30, 10, 0)));
    // Within one day.
    CHECK(sla_due(h, utc(2026, 3, 30, 7, 0), 60min) == ms(utc(2026, 3, 30, 8, 0)));
    // Exactly the rest of the day: due at closing, not at the next opening.
    CHECK(sla_due(h, utc(2026, 3, 30, 15, 0), 60min) == ms(utc(2026, 3, 30, 16, 0)));
    // Created at night: the clock starts at opening.
    CHECK(sla_due(h, utc(2026, 3, 30, 22, 0), 30min) == ms(utc(2026, 3, 31, 7, 30)));
    // Longer than a week of office hours (45 h): 50 h from Monday 09:00.
    CHECK(sla_due(h, utc(2026, 6, 1, 7, 0), 50h) == ms(utc(2026, 6, 8, 12, 0)));
    // The store's millisecond overload agrees.
    CHECK(sla_due(h, ms(utc(2026, 3, 27, 16, 0)), 240min) == ms(utc(2026, 3, 30, 10, 0)));
    CHECK(sla_due(h, utc(2026, 3, 27, 16, 0), 0min) == ms(utc(2026, 3, 27, 16, 0)));
}

TEST_CASE("hours that never open") {
    parley::business_hours h;
    h.always_open = false;
    h.timezone = "Europe/Berlin";
    const auto t = utc(2026, 3, 27, 12, 0);
    CHECK_FALSE(is_open(h, t));
    CHECK(next_opening(h, t) == system_clock::time_point::max());
    CHECK(sla_due(h, t, 60min) == ms(t + 1h));
}

TEST_CASE("an unknown time zone falls back to UTC and check_timezone reports it") {
    CHECK(timezone_known("Europe/Berlin"));
    CHECK(timezone_known("UTC"));
    CHECK_FALSE(timezone_known("Mars/Olympus_Mons"));
    CHECK_FALSE(timezone_known(""));
    auto h = office("Mars/Olympus_Mons");
    CHECK_THROWS_AS(check_timezone(h), parley::config_error);
    CHECK_NOTHROW(check_timezone(office("Asia/Shanghai")));
    CHECK(is_open(h, utc(2026, 6, 1, 9, 0)));  // 09:00 UTC
    CHECK_FALSE(is_open(h, utc(2026, 6, 1, 8, 59)));
    parley::business_hours always;
    always.timezone = "nonsense";
    CHECK_NOTHROW(check_timezone(always));  // unused when always open
}
