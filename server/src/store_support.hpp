#pragma once
// Small helpers both store backends share (SQLite and PostgreSQL store the
// same records the same way).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
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

// The "data" of each webhook event, shared by both backends (INTEGRATIONS.md).
namespace event_data {
inline std::string dumped(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
inline std::string started(const conversation_record& c) {
    return dumped({{"conversation_id", c.id}, {"user_id", c.user_id}, {"locale", c.locale}});
}
inline std::string handed_off(std::string_view id, const std::string& user_id,
                              std::string_view reason, const std::string& intent,
                              double frustration) {
    return dumped({{"conversation_id", id},
                   {"user_id", user_id},
                   {"reason", reason},
                   {"intent", intent},
                   {"frustration", frustration}});
}
inline std::string closed(std::string_view id, const std::string& user_id,
                          const std::string& agent_id, const std::string& intent) {
    return dumped({{"conversation_id", id},
                   {"user_id", user_id},
                   {"agent_id", agent_id},
                   {"intent", intent}});
}
inline std::string csat(std::string_view id, const std::string& user_id, int score,
                        std::string_view comment) {
    return dumped(
        {{"conversation_id", id}, {"user_id", user_id}, {"score", score}, {"comment", comment}});
}
inline std::string ticket_created(const ticket_record& t) {
    return dumped({{"ticket_id", t.id},
                   {"conversation_id", t.conversation_id},
                   {"user_id", t.user_id},
                   {"email", t.email},
                   {"message", t.message},
                   {"due_at", t.due_at}});
}
inline std::string ticket_answered(std::int64_t id, const std::string& conversation_id,
                                   std::string_view agent_id) {
    return dumped({{"ticket_id", id},
                   {"conversation_id", conversation_id},
                   {"status", "answered"},
                   {"answered_by", agent_id}});
}
}  // namespace event_data

inline std::int64_t clamp_limit(std::size_t limit) {
    return static_cast<std::int64_t>(
        std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace parley::server
