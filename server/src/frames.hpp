#pragma once
// JSON frames of PROTOCOL.md built from stored records, in one place so the
// shopper socket, the agent socket, the REST API and the event bus agree.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "store.hpp"

namespace parley::server {

std::int64_t now_ms();
// "2026-11-22": the UTC date of a time in ms since the epoch.
std::string utc_date(std::int64_t ms);

// Serializes with invalid UTF-8 replaced (stored text is valid, but never
// let one bad byte kill a socket).
std::string dump(const nlohmann::json& j);

// "{agent} joined" → "Anna joined": the bot lines' placeholders.
std::string fill_placeholder(std::string text, std::string_view key, std::string_view value);

nlohmann::json error_frame(std::string_view code, std::string_view message,
                           std::string_view ref = {});

// A message as the shopper sees it (no agent ids; callers drop notes).
nlohmann::json shopper_message_json(const message_record& m, std::string_view agent_name = {});
// The same frame as text, for the socket: a bot message's stored payload (the
// server's own JSON object) goes in as it is instead of being parsed and
// written again (two of nlohmann's passes per bot reply, ~5 % of a turn).
std::string shopper_message_frame(const message_record& m, std::string_view agent_name = {});
// A message as agents see it (all authors, with conversation id and agent id).
nlohmann::json agent_message_json(const message_record& m);
// Full message for the event bus (round-trips through message_from_json).
nlohmann::json message_event_json(const message_record& m);
message_record message_from_json(const nlohmann::json& j);

nlohmann::json conversation_json(const conversation_record& c);
nlohmann::json ticket_json(const ticket_record& t);
nlohmann::json agent_json(const agent_record& a);

}  // namespace parley::server
