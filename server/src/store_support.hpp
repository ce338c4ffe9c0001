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

// Column lists in the order the backends' read_* functions expect them.
inline constexpr const char* conversation_columns =
    "id, token_hash, user_id, email, name, locale, origin, status, agent_id, handoff_reason, "
    "intent, sentiment, dialog_state, created_at, updated_at, queued_at, claimed_at, closed_at, "
    "last_seq, csat_score, csat_comment";
inline constexpr const char* message_columns =
    "conversation_id, seq, client_id, author, agent_id, text, payload, created_at";
inline constexpr const char* agent_columns = "id, email, name, password_hash, role, created_at";
inline constexpr const char* ticket_columns =
    "id, conversation_id, user_id, email, message, status, created_at, due_at, answer, "
    "answered_by, answered_at";

inline constexpr const char* config_version_columns =
    "version, config, published_at, published_by, note, source";

inline constexpr const char* outbox_columns =
    "id, event_id, event, url, payload, state, attempts, created_at, next_attempt_at, "
    "delivered_at, last_status, last_error";

inline outbox_state outbox_state_from(std::string_view name) {
    if (name == "delivered") return outbox_state::delivered;
    if (name == "failed") return outbox_state::failed;
    return outbox_state::pending;
}

inline std::int64_t clamp_limit(std::size_t limit) {
    return static_cast<std::int64_t>(
        std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace parley::server
