#pragma once
// Business hours in the shop's own time zone: is a human expected to answer
// now, when will one be, and when is a ticket's SLA due counting only open
// minutes. Wall-clock intervals are interpreted in the IANA zone
// (`business_hours.timezone`, e.g. "Europe/Berlin"), so DST shifts move the
// opening instants the way a shop's staff experience them.
//
// Unknown zone names: these functions never throw; they fall back to UTC.
// The server is expected to call check_timezone() when it loads a config,
// which throws parley::config_error, so a typo is reported to the merchant
// instead of silently shifting the hours.
#include <chrono>
#include <cstdint>
#include <string_view>

#include "parley/config.hpp"

namespace parley::server {

// Whether the zone database (the OS's /usr/share/zoneinfo) knows `name`.
bool timezone_known(std::string_view name);

// Throws parley::config_error("business_hours.timezone", …) for an unknown
// zone; does nothing when hours.always_open.
void check_timezone(const business_hours& hours);

// always_open → true. Otherwise true when the local wall-clock minute of `t`
// lies in one of that weekday's [from_minute, to_minute) intervals.
bool is_open(const business_hours& hours, std::chrono::system_clock::time_point t);

// The first instant >= t at which is_open() holds: `t` itself when open,
// time_point::max() when the shop opens nowhere within the next 8 days.
// An opening time that falls in a DST gap opens at the end of the gap.
std::chrono::system_clock::time_point next_opening(const business_hours& hours,
                                                   std::chrono::system_clock::time_point t);

// When a ticket created at `created` with an SLA of `sla` open minutes is
// due, in milliseconds since the Unix epoch. Only open time counts: 4 hours
// from Friday 17:00 with Mon-Fri 09-18 is due Monday 12:00. always_open, or
// hours that never open (an empty week), count wall-clock time: created + sla.
std::int64_t sla_due(const business_hours& hours, std::chrono::system_clock::time_point created,
                     std::chrono::minutes sla);
// The same with `created` in milliseconds since the epoch (the store's unit).
std::int64_t sla_due(const business_hours& hours, std::int64_t created_ms,
                     std::chrono::minutes sla);

}  // namespace parley::server
