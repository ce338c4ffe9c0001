#include "business_clock.hpp"

// The Debian/vcpkg builds of libdate-tz read the OS zone database and are
// compiled with these; the header must agree with the library's ABI even
// when CMake links it by name rather than through date::date-tz.
#ifndef USE_OS_TZDB
#define USE_OS_TZDB 1
#endif
#ifndef HAS_STRING_VIEW
#define HAS_STRING_VIEW 1
#endif
#ifndef ONLY_C_LOCALE
#define ONLY_C_LOCALE 1
#endif
#include <date/tz.h>

#include <algorithm>
#include <exception>
#include <vector>

namespace parley::server {

namespace {

using std::chrono::system_clock;
using sys_seconds = date::sys_seconds;

const date::time_zone* find_zone(std::string_view name) {
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        return nullptr;
    }
}

// The shop's zone, else UTC (see the header: check_timezone() reports it).
const date::time_zone* zone_of(const business_hours& hours) {
    if (const auto* z = find_zone(hours.timezone)) return z;
    static const date::time_zone* const utc =
        find_zone("Etc/UTC") ? find_zone("Etc/UTC") : find_zone("UTC");
    return utc;
}

// Wall-clock local time of `t` in `zone` (nullptr = UTC, when even the zone
// database is missing).
date::local_seconds to_local(const date::time_zone* zone, sys_seconds t) {
    if (!zone) return date::local_seconds{t.time_since_epoch()};
    return zone->to_local(t);
}

bool open_at_local(const business_hours& hours, date::local_seconds local) {
    const auto day = date::floor<date::days>(local);
    const int minute =
        static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(local - day).count());
    const unsigned index = date::weekday(day).iso_encoding() - 1;  // 0 = Monday
    if (index >= hours.weekly.size()) return false;
    for (const auto& iv : hours.weekly[index])
        if (minute >= iv.from_minute && minute < iv.to_minute) return true;
    return false;
}

bool never_opens(const business_hours& hours) {
    for (const auto& day : hours.weekly)
        for (const auto& iv : day)
            if (iv.to_minute > iv.from_minute) return false;
    return true;
}

sys_seconds floor_seconds(system_clock::time_point t) {
    return std::chrono::floor<std::chrono::seconds>(t);
}

// The earliest instant strictly after `t` (and within ~10 days) at which the
// open/closed state may change: a local interval boundary mapped to UTC, or
// a zone offset transition (which can jump local time into or out of an
// interval). Between two such instants the state is constant.
sys_seconds next_change(const business_hours& hours, const date::time_zone* zone, sys_seconds t) {
    const sys_seconds horizon = t + date::days{10};
    sys_seconds best = horizon;
    auto consider = [&](sys_seconds c) {
        if (c > t && c < best) best = c;
    };
    if (zone) consider(zone->get_info(t).end);
    const auto first_day = date::floor<date::days>(to_local(zone, t)) - date::days{1};
    for (int d = 0; d <= 10; ++d) {
        const date::local_days day = first_day + date::days{d};
        const unsigned index = date::weekday(day).iso_encoding() - 1;
        if (index >= hours.weekly.size()) continue;
        for (const auto& iv : hours.weekly[index]) {
            for (int minute : {iv.from_minute, iv.to_minute}) {
                const date::local_seconds local = day + std::chrono::minutes{minute};
                if (!zone) {
                    consider(sys_seconds{local.time_since_epoch()});
                    continue;
                }
                // A time in a gap maps to the transition, an ambiguous one to
                // both of its instants.
                consider(zone->to_sys(local, date::choose::earliest));
                consider(zone->to_sys(local, date::choose::latest));
            }
        }
    }
    return best;
}

}  // namespace

bool timezone_known(std::string_view name) {
    return find_zone(name) != nullptr;
}

void check_timezone(const business_hours& hours) {
    if (hours.always_open) return;
    if (!timezone_known(hours.timezone))
        throw config_error("business_hours.timezone",
                           "expected an IANA time zone name like \"Europe/Berlin\", got \"" +
                               hours.timezone + "\"");
}

bool is_open(const business_hours& hours, system_clock::time_point t) {
    if (hours.always_open) return true;
    return open_at_local(hours, to_local(zone_of(hours), floor_seconds(t)));
}

system_clock::time_point next_opening(const business_hours& hours, system_clock::time_point t) {
    if (hours.always_open) return t;
    if (never_opens(hours)) return system_clock::time_point::max();
    const auto* zone = zone_of(hours);
    if (open_at_local(hours, to_local(zone, floor_seconds(t)))) return t;
    const sys_seconds limit = floor_seconds(t) + date::days{8};
    sys_seconds cur = floor_seconds(t);
    while (cur <= limit) {
        cur = next_change(hours, zone, cur);
        if (cur > limit) break;
        if (open_at_local(hours, to_local(zone, cur))) return cur;
    }
    return system_clock::time_point::max();
}

std::int64_t sla_due(const business_hours& hours, system_clock::time_point created,
                     std::chrono::minutes sla) {
    using std::chrono::milliseconds;
    const auto to_ms = [](system_clock::time_point p) {
        return std::chrono::duration_cast<milliseconds>(p.time_since_epoch()).count();
    };
    if (hours.always_open || never_opens(hours) || sla <= std::chrono::minutes::zero())
        return to_ms(created + sla);
    const auto* zone = zone_of(hours);
    milliseconds remaining = sla;
    system_clock::time_point cur = created;
    // Each step crosses one constant stretch (open or closed), so even a long
    // SLA takes a few steps per day.
    while (true) {
        const sys_seconds whole = floor_seconds(cur);
        const bool open = open_at_local(hours, to_local(zone, whole));
        const system_clock::time_point change = next_change(hours, zone, whole);
        if (open) {
            const auto stretch = std::chrono::duration_cast<milliseconds>(change - cur);
            if (remaining <= stretch) return to_ms(cur + remaining);
            remaining -= stretch;
            cur = change;
        } else {
            const auto opening = next_opening(hours, cur);
            if (opening == system_clock::time_point::max()) return to_ms(created + sla);
            cur = opening;
        }
    }
}

std::int64_t sla_due(const business_hours& hours, std::int64_t created_ms,
                     std::chrono::minutes sla) {
    const system_clock::time_point created{
        std::chrono::duration_cast<system_clock::duration>(std::chrono::milliseconds{created_ms})};
    return sla_due(hours, created, sla);
}

}  // namespace parley::server
