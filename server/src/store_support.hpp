#pragma once
// Small helpers both store backends share (SQLite and PostgreSQL store the
// same records the same way).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "auth.hpp"
#include "store.hpp"

namespace parley::server {

// 22 URL-safe characters (128 random bits): conversation and agent ids.
inline std::string random_id() {
    return random_token(16);
}

inline std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

inline std::string_view role_name(agent_role role) {
    return role == agent_role::admin ? "admin" : "agent";
}
inline agent_role role_from_name(std::string_view name) {
    return name == "admin" ? agent_role::admin : agent_role::agent;
}

inline std::int64_t clamp_limit(std::size_t limit) {
    return static_cast<std::int64_t>(
        std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace parley::server
